"""SBOM intake at scale: CycloneDX documents of 10,000 and 50,000 components (with a
dependency graph) against 25,000 advisories, phase by phase, next to two references.

    python -m bench.sbom [--sizes 10000,50000] [--advisories 25000] [--no-reference]

Each measurement runs in a fresh interpreter (multiprocessing, spawn), so its peak
memory is its own: the floor (`json.loads` of the file), cyclonedx-python-lib's own
`Bom.from_json` (the reference object model), then the hub's phases (schema
validation, normalization to purls, matching) and the whole pipeline as the API
runs it (`SbomDesk.submit_for_system` on SQLite: intake, store, match, findings).
Advisories are the real ones in the corpus (PyPA, Go, RustSec; CRSA_CORPUS) topped
up with generated ones for the generated packages, so matching has real work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from bench.sbom.phases import PHASES, measure

ECOSYSTEMS = [
    ("npm", "npm"),
    ("pypi", "PyPI"),
    ("maven", "Maven"),
    ("golang", "Go"),
    ("cargo", "crates.io"),
]
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
CORPUS = Path(os.environ.get("CRSA_CORPUS", Path(__file__).parents[3] / "shared" / "corpus"))


def _name(kind: str, i: int) -> tuple[str, str]:
    """(purl name part, OSV package name) for generated package i of an ecosystem."""
    if kind == "maven":
        return f"org.bench{i % 97}/lib{i}", f"org.bench{i % 97}:lib{i}"
    if kind == "golang":
        return f"github.com/bench{i % 89}/mod{i}", f"github.com/bench{i % 89}/mod{i}"
    if kind == "npm" and i % 5 == 0:
        return f"%40scope{i % 13}/pkg{i}", f"@scope{i % 13}/pkg{i}"
    return f"pkg{i}", f"pkg{i}"


def _version(kind: str, rng: random.Random) -> str:
    v = f"{rng.randrange(4)}.{rng.randrange(20)}.{rng.randrange(30)}"
    return f"v{v}" if kind == "golang" else v


def make_sbom(size: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    components: list[dict[str, Any]] = []
    for i in range(size):
        kind, _ = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        name, _ = _name(kind, i // len(ECOSYSTEMS))
        version = _version(kind, rng)
        purl = f"pkg:{kind}/{name}@{version}"
        components.append(
            {
                "type": "library",
                "bom-ref": purl,
                "supplier": {"name": f"Supplier {i % 400}"},
                "name": name.rsplit("/", 1)[-1],
                "version": version,
                "purl": purl,
                "hashes": [{"alg": "SHA-256", "content": f"{rng.getrandbits(256):064x}"}],
                "licenses": [
                    {"license": {"id": rng.choice(["MIT", "Apache-2.0", "BSD-3-Clause"])}}
                ],
            }
        )
    refs: list[str] = [str(c["bom-ref"]) for c in components]
    dependencies = [{"ref": "app", "dependsOn": refs[:50]}] + [
        {
            "ref": ref,
            "dependsOn": sorted({refs[rng.randrange(size)] for _ in range(rng.randrange(4))}),
        }
        for ref in refs
    ]
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:00000000-0000-4000-8000-{size:012d}",
        "version": 1,
        "metadata": {
            "timestamp": "2026-11-01T00:00:00Z",
            "authors": [{"name": "bench"}],
            "component": {
                "type": "application",
                "name": "app",
                "version": "1.0",
                "bom-ref": "app",
                "supplier": {"name": "Agency"},
                "purl": "pkg:generic/agency/app@1.0",
            },
        },
        "components": components,
        "dependencies": dependencies,
    }
    return json.dumps(doc).encode()


def make_advisories(folder: Path, total: int, seed: int = 11, affected: int = 1) -> int:
    """Real corpus advisories, then generated ones for generated packages, as OSV JSON;
    each generated one names `affected` packages (more: more findings per component)."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for sub in ("osv/pypa-advisory-database/vulns", "osv/golang-vulndb", "osv/rustsec-advisory-db"):
        root = CORPUS / sub
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.suffix not in (".json", ".yaml") or written >= total:
                continue
            doc = (
                json.loads(path.read_bytes())
                if path.suffix == ".json"
                else yaml.safe_load(path.read_bytes())
            )
            (folder / f"{written:06d}.json").write_text(json.dumps(doc, default=str))
            written += 1
    rng = random.Random(seed)
    n = 0
    while written < total:
        kind, ecosystem = ECOSYSTEMS[n % len(ECOSYSTEMS)]
        names = sorted({_name(kind, rng.randrange(12000))[1] for _ in range(affected)})
        fixed = f"{rng.randrange(1, 4)}.{rng.randrange(20)}.0"
        semver = kind in ("golang", "cargo", "npm")
        rng_type = "SEMVER" if semver else "ECOSYSTEM"
        events = [{"introduced": "0"}, {"fixed": fixed}]
        doc = {
            "id": f"BENCH-{n:06d}",
            "modified": "2026-10-01T00:00:00Z",
            "aliases": [f"CVE-2099-{n:05d}"],
            "summary": "generated advisory",
            "severity": [{"type": "CVSS_V3", "score": VECTOR}],
            "affected": [
                {
                    "package": {"ecosystem": ecosystem, "name": name},
                    "ranges": [{"type": rng_type, "events": events}],
                }
                for name in names
            ],
        }
        (folder / f"{written:06d}.json").write_text(json.dumps(doc))
        written += 1
        n += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--advisories", type=int, default=25000)
    parser.add_argument("--no-reference", action="store_true", help="skip Bom.from_json")
    parser.add_argument(
        "--affected",
        type=int,
        default=1,
        help="packages each generated advisory names (24: ~5 findings per component)",
    )
    parser.add_argument("--only", help="run only the phases whose label holds this text")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sbom-"))
    advisories = work / "advisories"
    count = make_advisories(advisories, args.advisories, affected=args.affected)
    print(f"{count} advisories ({CORPUS} for the real ones)")
    results: dict[str, Any] = {"advisories": count, "affected": args.affected, "runs": []}
    for size in (int(s) for s in args.sizes.split(",")):
        sbom = work / f"bom-{size}.json"
        sbom.write_bytes(make_sbom(size))
        mb = sbom.stat().st_size / 1e6
        print(f"\n### {size} components ({mb:.1f} MB)\n")
        print("| phase | seconds | peak MB | detail |\n|---|---:|---:|---|")
        run: dict[str, Any] = {"components": size, "file_mb": round(mb, 1), "phases": {}}
        for label, fn, reference in PHASES:
            if (reference and args.no_reference) or (args.only and args.only not in label):
                continue
            seconds, peak, detail = measure(fn, str(sbom), str(advisories))
            run["phases"][label] = {
                "seconds": round(seconds, 3),
                "peak_mb": round(peak),
                "detail": detail,
            }
            print(f"| {label} | {seconds:.2f} | {peak:.0f} | {detail} |", flush=True)
        results["runs"].append(run)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
