"""The synthetic nation's hosts: how many each organization runs, what they run, and the
collector batches they post on each day of the report cycle.

Organization sizes follow a long tail (Zipf over their rank: a few ministries with
thousands of hosts, most agencies with a few dozen), because that is what makes a
national hub different from one big fleet: most partitions are small and the per-agency
costs (a system, a token, a score) count as much as the per-host ones. Most hosts run one
of a few national base images; the rest are hosts of their own (an image with packages
swapped), as in bench/ingest.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from bench.ingest.__main__ import BOOKWORM, universe
from collectors.endpoint.host import Host
from collectors.endpoint.inventory import document
from collectors.endpoint.packages import FoundPackage


def sizes(organizations: int, hosts: int, smallest: int = 3) -> list[int]:
    """Hosts per organization, largest first, summing to `hosts`: weight 1/rank."""
    weights = [1.0 / rank for rank in range(1, organizations + 1)]
    total = sum(weights)
    out = [max(smallest, int(hosts * w / total)) for w in weights]
    out[0] += hosts - sum(out)  # what rounding left over goes to the largest
    if out[0] < smallest:
        raise SystemExit(f"{hosts} hosts are too few for {organizations} organizations")
    return out


@dataclass(frozen=True)
class Member:
    """One host: its organization (by index), its hostname and its packages."""

    org: int
    name: str
    packages: tuple[str, ...]


@dataclass
class Fleet:
    images: list[list[str]]
    pool: list[str]
    members: list[Member]

    @classmethod
    def build(
        cls,
        organizations: int,
        hosts: int,
        *,
        images: int,
        packages: int,
        shared: float,
        rng: random.Random,
    ) -> Fleet:
        pool = universe(4_000, rng)
        base = [sorted(rng.sample(pool, packages)) for _ in range(images)]
        members = []
        for org, count in enumerate(sizes(organizations, hosts)):
            own_images = rng.sample(range(images), min(2, images))  # an agency runs two
            for n in range(count):
                image = base[own_images[n % len(own_images)]]
                if rng.random() < shared:
                    chosen: tuple[str, ...] = tuple(image)
                else:  # a host of its own: its image with 30 packages swapped
                    mine = list(image)
                    for k in rng.sample(range(len(mine)), 30):
                        mine[k] = rng.choice(pool)
                    chosen = tuple(sorted(set(mine)))
                members.append(Member(org, f"o{org:04d}-h{n:05d}", chosen))
        rng.shuffle(members)  # a day's reports arrive in no order of agency
        return cls(base, pool, members)

    def upgraded(self, member: Member, rng: random.Random) -> Member:
        """The same host after an update: one package at another version."""
        packages = list(member.packages)
        k = rng.randrange(len(packages))
        name, _, version = packages[k].partition("@")
        version, sep, qualifiers = version.partition("?")
        packages[k] = f"{name}@{version}.1{sep}{qualifiers}"
        return Member(member.org, member.name, tuple(sorted(packages)))


def body(system_id: str, member: Member, at: datetime) -> bytes:
    """The batch the endpoint collector would post for this host, compressed to be kept:
    100,000 bodies of ~30 KB would not fit in memory beside the hub."""
    host = Host(member.name, member.name, BOOKWORM, "6.1.0", ())
    found = [FoundPackage(p, "dpkg") for p in member.packages]
    return zlib.compress(json.dumps(document(system_id, host, found, collected_at=at)).encode(), 1)


def batches(
    bodies: list[bytes], members: list[Member], headers: list[dict[str, str]]
) -> Iterator[tuple[bytes, dict[str, str]]]:
    """Each body ready to post with its organization's token, decompressed on demand."""
    for compressed, member in zip(bodies, members, strict=True):
        yield zlib.decompress(compressed), headers[member.org]
