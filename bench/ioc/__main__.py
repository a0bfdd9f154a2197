"""Partner indicators against agency observations, next to stix2-matcher alone.

    python -m bench.ioc [--indicators 10000] [--hosts 10000] [--subset 1000]

The workload: `--hosts` hosts with 10 observations each (4 remote addresses, 3 running
executables with name and SHA-256, 2 domain names, 1 URL: 100,000 observations at the
default), and `--indicators` partner patterns in the mix a sharing feed carries: mostly
single values (addresses, hashes, domains, URLs), with LIKE and MATCHES on domains and
URLs, ISSUBSET networks, IN lists, AND within and across observations, FOLLOWEDBY ...
WITHIN, and a few NOT patterns. About one indicator in ten names a value some host has.

Measured: the hub's `ioc.match` on the whole workload (index build, narrowing, the
matcher on the hosts left); stix2-matcher alone on a subset (`--subset` indicators and
observations drawn the same way), whose answers must equal the hub's on that subset;
the matcher's cost per pattern and observation, and what the whole workload would cost
it at that rate.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stix2matcher.matcher import MatcherException, Pattern

from hub.sharing.ioc import compile_simple, match
from hub.sharing.observations import Host, address, executable, unique

T = datetime(2026, 11, 1, tzinfo=UTC)
NAMES = ["sshd", "nginx", "cron", "java", "python3", "postgres", "systemd", "bash"]
TLDS = ["com", "net", "org", "jp", "io"]


def workload(n_hosts: int, n_indicators: int, seed: int = 7) -> tuple[list[Host], dict[str, str]]:
    rng = random.Random(seed)

    def ip() -> str:
        first = rng.choice([10, 172, 192, 198, 203])
        return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"

    def digest() -> str:
        return f"{rng.getrandbits(256):064x}"

    def domain() -> str:
        word = rng.choice(["cdn", "api", "mail", "www", "static"])
        return f"{word}{rng.randrange(20_000)}.example{rng.randrange(50)}.{rng.choice(TLDS)}"

    hosts = []
    seen: dict[str, list[Any]] = {"ip": [], "file": [], "domain": [], "url": []}
    for n in range(n_hosts):
        ips = [ip() for _ in range(4)]
        files = [(rng.choice(NAMES), digest()) for _ in range(3)]
        domains = [domain() for _ in range(2)]
        page = rng.choice(["login", "api/v1/items", "static/app.js"])
        url = f"https://{domains[0]}/{page}?id={rng.randrange(10_000)}"
        seen["ip"] += ips
        seen["file"] += files
        seen["domain"] += domains
        seen["url"].append(url)
        scos = [address(a) for a in ips] + [executable(name, h) for name, h in files]
        scos += [{"type": "domain-name", "value": d} for d in domains]
        scos.append({"type": "url", "value": url})
        hosts.append(Host(f"host-{n:06d}", f"org-{n % 200}", f"sys-{n % 2000}", T, unique(scos)))

    def pick(kind: str, fresh: Any) -> Any:
        return rng.choice(seen[kind]) if rng.random() < 0.1 else fresh()

    def fresh_file() -> tuple[str, str]:
        return rng.choice(NAMES), digest()

    makers = [
        (40, lambda: f"[ipv4-addr:value = '{pick('ip', ip)}']"),
        (20, lambda: f"[file:hashes.'SHA-256' = '{pick('file', fresh_file)[1]}']"),
        (12, lambda: f"[domain-name:value = '{pick('domain', domain)}']"),
        (4, lambda: f"[url:value = '{pick('url', lambda: 'https://' + domain() + '/x')}']"),
        (3, lambda: f"[ipv4-addr:value = '{pick('ip', ip)}' OR ipv4-addr:value = '{ip()}']"),
        (4, lambda: f"[domain-name:value LIKE '%.{pick('domain', domain).split('.', 1)[1]}']"),
        (2, lambda: f"[domain-name:value LIKE '{pick('domain', domain).split('.')[0]}.%']"),
        (
            3,
            lambda: f"[url:value MATCHES '^https://{pick('domain', domain).replace('.', '[.]')}/']",
        ),
        (
            3,
            lambda: "[file:name = '{}' AND file:hashes.'SHA-256' = '{}']".format(
                *pick("file", fresh_file)
            ),
        ),
        (
            3,
            lambda: (
                f"[domain-name:value = '{pick('domain', domain)}']"
                " FOLLOWEDBY [url:value LIKE '%login%'] WITHIN 300 SECONDS"
            ),
        ),
        (2, lambda: f"[ipv4-addr:value ISSUBSET '{'.'.join(pick('ip', ip).split('.')[:3])}.0/24']"),
        (2, lambda: f"[file:hashes.'SHA-256' IN ('{pick('file', fresh_file)[1]}', '{digest()}')]"),
        (1, lambda: f"[ipv4-addr:value = '{pick('ip', ip)}'] AND [file:name = 'bash']"),
        (
            1,
            lambda: (
                "[file:name NOT IN ('sshd', 'nginx')]"
                f" AND [domain-name:value = '{pick('domain', domain)}']"
            ),
        ),
    ]
    weights = [w for w, _ in makers]
    indicators = {}
    for n in range(n_indicators):
        make: Callable[[], str] = rng.choices(makers, weights)[0][1]
        indicators[f"indicator--{n:08d}"] = make()
    return hosts, indicators


def matcher_alone(
    indicators: dict[str, str], hosts: list[Host]
) -> tuple[dict[str, set[str]], float]:
    """stix2-matcher on every (indicator, host) pair; seconds spent matching."""
    bundles = [(h.asset_id, h.bundle()) for h in hosts]
    found: dict[str, set[str]] = {}
    started = time.perf_counter()
    for indicator_id, pattern in indicators.items():
        try:
            compiled = Pattern(pattern, stix_version="2.1")
            hits = {asset for asset, bundle in bundles if compiled.match(bundle)}
        except (MatcherException, re.error):
            hits = set()
        if hits:
            found[indicator_id] = hits
    return found, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--subset", type=int, default=1_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()

    hosts, indicators = workload(args.hosts, args.indicators)
    observations = sum(len(h.objects) for h in hosts)
    simple = sum(compile_simple(p) is not None for p in indicators.values())
    print(
        f"{len(indicators)} indicators ({simple} plain equality) x {observations} observations"
        f" on {len(hosts)} hosts"
    )

    started = time.perf_counter()
    ours = match(indicators, hosts)
    hub_seconds = time.perf_counter() - started
    pairs = sum(len(v) for v in ours.values())
    print(f"hub: {hub_seconds:.2f} s, {len(ours)} indicators matched on {pairs} host pairs")

    # The subset is the same mix drawn over fewer hosts, so that about one indicator in ten
    # names a value of these hosts: many answers to compare, not a handful.
    per_host = observations / len(hosts)
    sub_hosts, sub_indicators = workload(max(1, round(args.subset / per_host)), args.subset, 8)
    sub_observations = sum(len(h.objects) for h in sub_hosts)
    theirs, matcher_seconds = matcher_alone(sub_indicators, sub_hosts)
    started = time.perf_counter()
    ours_sub = match(sub_indicators, sub_hosts)
    hub_sub_seconds = time.perf_counter() - started
    identical = ours_sub == theirs
    rate = matcher_seconds / (len(sub_indicators) * sub_observations)
    projected = rate * len(indicators) * observations
    print(
        f"subset {len(sub_indicators)} x {sub_observations}: matcher alone {matcher_seconds:.1f} s,"
        f" hub {hub_sub_seconds:.2f} s, identical answers: {identical}"
        f" ({sum(len(v) for v in theirs.values())} pairs)"
    )
    print(
        f"matcher alone: {rate * 1e6:.1f} us per pattern and observation; the whole workload"
        f" would take about {projected / 3600:.1f} h ({projected / hub_seconds:,.0f}x the hub)"
    )
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "indicators": len(indicators),
        "plain_equality": simple,
        "observations": observations,
        "hosts": len(hosts),
        "hub_seconds": round(hub_seconds, 2),
        "matched_indicators": len(ours),
        "matched_pairs": pairs,
        "subset": {
            "indicators": len(sub_indicators),
            "observations": sub_observations,
            "matcher_seconds": round(matcher_seconds, 1),
            "hub_seconds": round(hub_sub_seconds, 3),
            "identical": identical,
            "pairs": sum(len(v) for v in theirs.values()),
        },
        "matcher_us_per_pair": round(rate * 1e6, 2),
        "matcher_projected_hours": round(projected / 3600, 1),
        "ratio": round(projected / hub_seconds),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    if not identical:
        raise SystemExit("the hub's answers differ from stix2-matcher's on the subset")


if __name__ == "__main__":
    main()
