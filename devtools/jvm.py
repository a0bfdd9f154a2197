"""Java servers for tests: their distributions from Maven Central through Maven's own
cache (`mvn dependency:get`), and a JDK of the version each needs. The tests' real
Elasticsearch (Java 17 to 23) and Keycloak (Java 21 or newer) come this way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


class Unavailable(Exception):
    """No server can be had here (no Java, no Maven, no network); the message says why."""


def repository() -> Path:
    return Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))


def cache_dir() -> Path:
    """Where distributions are unpacked. As root the Elasticsearch nodes run as another
    user, who cannot enter /root: use /var/cache."""
    if os.geteuid() == 0:
        return Path("/var/cache/crsa-hub")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crsa-hub"


def fetch(group: str, artifact: str, version: str, packaging: str = "zip") -> Path:
    """The artifact's file in the local repository, fetched on first use."""
    path = (
        repository()
        / group.replace(".", "/")
        / artifact
        / version
        / f"{artifact}-{version}.{packaging}"
    )
    if path.is_file():
        return path
    mvn = shutil.which("mvn")
    coordinates = f"{group}:{artifact}:{version}:{packaging}"
    if mvn is None:
        raise Unavailable(f"Maven (mvn) is not installed; it fetches {coordinates}")
    print(f"fetching {coordinates} through Maven ...", file=sys.stderr)
    done = subprocess.run(
        [mvn, "-q", "-B", "dependency:get", f"-Dartifact={coordinates}", "-Dtransitive=false"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not path.is_file():
        raise Unavailable(f"mvn could not fetch {coordinates}: {done.stdout[-2000:]}")
    return path


# The JIT's first tier only. Test and development servers live for minutes and run little
# hot code; the optimizing compiler's threads cost more CPU than they win back. Measured on
# this 2-core machine: an Elasticsearch node's start and 1,500 small writes took 75 s of CPU
# with both tiers and 41 s with this (wall time 52 s and 47 s); Keycloak's start 41-51 s and
# 32 s. On a machine that also runs the other test worker, CPU is the wall time.
QUICK_JIT = "-XX:TieredStopAtLevel=1"


def java_home(low: int, high: int, hints: tuple[str | None, ...] = ()) -> Path:
    """A JDK whose major version lies in [low, high]: the hints first (JAVA_HOME and the
    like), then the machine's JDKs under /usr/lib/jvm, then the `java` on the PATH."""
    candidates = [*hints, *(str(p) for p in sorted(Path("/usr/lib/jvm").glob("*")))]
    java = shutil.which("java")
    if java:
        candidates.append(str(Path(os.path.realpath(java)).parent.parent))
    for candidate in candidates:
        if not candidate or not (Path(candidate) / "bin" / "java").is_file():
            continue
        out = subprocess.run(
            [f"{candidate}/bin/java", "-version"], capture_output=True, text=True, check=False
        ).stderr
        try:
            major = int(out.split('"')[1].split(".")[0])
        except (IndexError, ValueError):
            continue
        if low <= major <= high:
            return Path(candidate)
    raise Unavailable(f"no Java {low} to {high} found (set JAVA_HOME to one)")
