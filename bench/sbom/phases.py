"""The measured phases of bench.sbom; each runs in its own interpreter (spawn), so the
functions live in an importable module rather than in __main__."""

from __future__ import annotations

import json
import multiprocessing
import queue
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def m_json_loads(sbom: str, _: str) -> tuple[float, str]:
    data = Path(sbom).read_bytes()
    t = time.perf_counter()
    doc = json.loads(data)
    return time.perf_counter() - t, f"{len(doc['components'])} components"


def m_bom_from_json(sbom: str, _: str) -> tuple[float, str]:
    from cyclonedx.model.bom import Bom

    data = Path(sbom).read_bytes()
    t = time.perf_counter()
    bom = Bom.from_json(json.loads(data))  # type: ignore[attr-defined]
    return time.perf_counter() - t, f"{len(bom.components)} components"


def m_validate(sbom: str, _: str) -> tuple[float, str]:
    from sbom.validate import validate_cyclonedx_json

    data = Path(sbom).read_bytes()
    validate_cyclonedx_json({"bomFormat": "CycloneDX", "specVersion": "1.6"})  # compile the schema
    doc = json.loads(data)
    t = time.perf_counter()
    version = validate_cyclonedx_json(doc)
    return time.perf_counter() - t, f"valid CycloneDX {version}"


def m_normalize(sbom: str, _: str) -> tuple[float, str]:
    from sbom.components import from_cyclonedx_json

    doc = json.loads(Path(sbom).read_bytes())
    t = time.perf_counter()
    extracted = from_cyclonedx_json(doc)
    return time.perf_counter() - t, f"{len(extracted.components)} purls"


def m_intake(sbom: str, _: str) -> tuple[float, str]:
    from sbom.intake import Limits, read_sbom

    data = Path(sbom).read_bytes()
    read_sbom(
        b'{"bomFormat":"CycloneDX","specVersion":"1.6"}',
        "application/vnd.cyclonedx+json",
        Limits(1 << 30, 10**6),
    )
    t = time.perf_counter()
    parsed = read_sbom(data, "application/vnd.cyclonedx+json", Limits(1 << 30, 10**6))
    return time.perf_counter() - t, f"quality {parsed.quality.score}"


def m_match(sbom: str, advisories: str) -> tuple[float, str]:
    from hub.intelligence.match import AdvisoryIndex, Skipped
    from hub.intelligence.sources import OsvDirectorySource, SourceReport
    from sbom.components import from_cyclonedx_json

    purls = [c.purl for c in from_cyclonedx_json(json.loads(Path(sbom).read_bytes())).components]
    index = AdvisoryIndex(OsvDirectorySource(Path(advisories)).advisories(SourceReport()))
    t = time.perf_counter()
    hits = 0
    for purl in purls:
        found = index.match(purl)
        hits += 0 if isinstance(found, Skipped) else len(found)
    return time.perf_counter() - t, f"{hits} matches against {index.count} advisories"


def m_pipeline(sbom: str, advisories: str) -> tuple[float, str]:
    """The API's path on SQLite with the advisories synced in and their index warm."""
    from hub.core.auth import Principal
    from hub.core.model import Criticality, OrgKind
    from hub.core.records.intel import IntelSource
    from hub.core.registry import Registry
    from hub.core.settings import Settings
    from hub.core.store.sqlite import SqliteStore
    from hub.intelligence.feeds import register
    from hub.intelligence.matching import intel_view
    from hub.inventory.refresh import refresh
    from sbom.desk import SbomDesk

    home = Path(tempfile.mkdtemp(prefix="bench-sbom-"))
    store = SqliteStore(home / "crsa.db")
    store.migrate()
    settings = Settings(home=home)
    root = Principal.operator("bench")
    reg = Registry(store)
    org = reg.add_organization(root, "Bench Agency", OrgKind.AGENCY, "b").value
    system = reg.add_system(root, org.id, "Bench", Criticality.HIGH, True, "", "b").value
    register(store, IntelSource.OSV, advisories, "b", "bench")
    refresh(store, settings, "b")
    intel_view(store)
    data = Path(sbom).read_bytes()
    t = time.perf_counter()
    out = SbomDesk(store, settings).submit_for_system(
        root, system.id, data, "application/vnd.cyclonedx+json", "b"
    )
    elapsed = time.perf_counter() - t
    return elapsed, f"{out.findings['opened']} findings written"


def _child(fn: Callable[[str, str], tuple[float, str]], args: tuple[str, str], q: Any) -> None:
    seconds, detail = fn(*args)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q.put((seconds, peak_mb, detail))


def measure(fn: Callable[[str, str], tuple[float, str]], *args: str) -> tuple[float, float, str]:
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn, args, q))
    p.start()
    while True:
        try:
            result = q.get(timeout=5)
            break
        except queue.Empty:
            if not p.is_alive():
                raise RuntimeError(f"{fn.__name__} died (exit code {p.exitcode})") from None
    p.join()
    return result  # type: ignore[no-any-return]


PHASES: list[tuple[str, Callable[[str, str], tuple[float, str]], bool]] = [
    ("json.loads (floor)", m_json_loads, False),
    ("cyclonedx-python-lib Bom.from_json (reference)", m_bom_from_json, True),
    ("hub: schema validation (jsonschema-rs)", m_validate, False),
    ("hub: normalization to purls", m_normalize, False),
    ("hub: intake (read, validate, normalize, NTIA quality)", m_intake, False),
    ("hub: matching", m_match, False),
    ("hub: whole pipeline via SbomDesk on SQLite", m_pipeline, False),
]
