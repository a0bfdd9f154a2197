"""The picture and the table that open docs/architecture.md, generated from the code.

The layers come from the import contract in pyproject.toml (the one `make test` enforces
with lint-imports); the arrows are the imports the code really makes between them (grimp,
import-linter's own graph). `python -m devtools.architecture` prints the section;
`--write` puts it into the document; tests/test_architecture.py fails when the document
no longer matches the code.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- begin generated: python -m devtools.architecture --write -->"
END = "<!-- end generated -->"


@dataclass(frozen=True)
class Unit:
    capability: str
    owns: str


# What each package of the contract is for. A package missing here fails the test.
UNITS: dict[str, Unit] = {
    "hub.cli": Unit("command line", "`crsa`: one module per command group; mounts `crsa collect`"),
    "hub.demo": Unit("demo", "the seeded 90-day demo hub behind `make demo`"),
    "hub.web.server": Unit("serving", "gunicorn workers and the background loops beside them"),
    "hub.web.app": Unit("serving", "the app factory: one Flask server for all three fronts"),
    "hub.web.api": Unit("REST API", "`/api/v1`: declared endpoints, their schemas, OpenAPI"),
    "hub.web.taxii": Unit("TAXII", "`/taxii2`: TAXII 2.1 to the letter, media types"),
    "dashboards": Unit("dashboards", "the Dash pages, sessions and their i18n"),
    "hub.web.context": Unit("web (shared)", "the hub a request runs against; body limits"),
    "hub.web.errors": Unit("web (shared)", "the one table from hub errors to HTTP statuses"),
    "playbooks": Unit("response", "events (sources, outbox) and playbooks (engine, actions)"),
    "hub.risk": Unit("risk", "scoring policy and engine, the triage queue, signed exports"),
    "hub.sharing": Unit(
        "sharing", "TAXII collections, TLP markings, partner feeds, IOC matching, sightings"
    ),
    "hub.people": Unit(
        "people", "staff from the identity provider: group mappings, sign-in, who acted"
    ),
    "hub.inventory": Unit(
        "inventory", "collector batches in, hosts' software and telemetry, re-matching"
    ),
    "sbom": Unit("supply", "SBOM and VEX documents: validation, components, quality, intake"),
    "hub.intelligence": Unit(
        "intelligence", "advisory and enrichment sources, feed sync, matching, findings"
    ),
    "hub.core": Unit(
        "core",
        "domain model and records, errors, settings, store contract and backends, auth,"
        " audit, the registry of agencies, systems and assets",
    ),
    "collectors": Unit(
        "agent", "the endpoint collector (`crsa-collect`) and the inventory wire format"
    ),
}


def layers() -> list[list[str]]:
    """The contract's layers, top first, each a list of packages that may not import
    each other."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layered,) = (c for c in contracts if c["type"] == "layers")
    return [[p.strip() for p in layer.split("|")] for layer in layered["layers"]]


def _unit_of(module: str, units: list[str]) -> str | None:
    best = [u for u in units if module == u or module.startswith(u + ".")]
    return max(best, key=len) if best else None


def edges(units: list[str]) -> set[tuple[str, str]]:
    """(importer, imported) between units, from every import statement in the code."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    roots = config["tool"]["importlinter"]["root_packages"]
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*roots)
    found: set[tuple[str, str]] = set()
    for module in graph.modules:
        source = _unit_of(module, units)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = _unit_of(imported, units)
            if target is not None and target != source:
                found.add((source, target))
    return found


def _node(unit: str) -> str:
    return unit.replace(".", "_")


def render() -> str:
    stack = layers()
    units = [u for layer in stack for u in layer]
    missing = sorted(set(units) - set(UNITS))
    if missing:
        raise SystemExit(f"describe {', '.join(missing)} in devtools/architecture.py UNITS")
    lines = [
        BEGIN,
        "",
        "```mermaid",
        "flowchart TB",
    ]
    for n, layer in enumerate(stack):
        lines.append(f'  subgraph L{n}[" "]')
        lines.append("    direction LR")
        for unit in layer:
            lines.append(f'    {_node(unit)}["{unit}<br/><i>{UNITS[unit].capability}</i>"]')
        lines.append("  end")
    rank = {u: n for n, layer in enumerate(stack) for u in layer}
    for source, target in sorted(edges(units), key=lambda e: (rank[e[0]], e[0], rank[e[1]], e[1])):
        lines.append(f"  {_node(source)} --> {_node(target)}")
    lines += [
        "```",
        "",
        "Boxes are the layers of the import contract in `pyproject.toml`, top first; boxes",
        "side by side in one layer may not import each other. Arrows are the imports the",
        "code makes today. Every arrow points down: `make test` runs `lint-imports`, which",
        "fails the build on any import that points up or sideways.",
        "",
        "| capability | package | what it owns | what it may import |",
        "|---|---|---|---|",
    ]
    for n, layer in enumerate(stack):
        below = [u for lower in stack[n + 1 :] for u in lower]
        for unit in layer:
            may = (
                ", ".join(f"`{u}`" for u in below)
                if below
                else "nothing of the hub: the standard library, click, PyYAML, packageurl"
            )
            lines.append(f"| {UNITS[unit].capability} | `{unit}` | {UNITS[unit].owns} | {may} |")
    lines += ["", END]
    return "\n".join(lines)


def written(doc: str, section: str) -> str:
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + section + tail


def main(argv: list[str]) -> None:
    section = render()
    if argv[1:] == ["--write"]:
        DOC.write_text(written(DOC.read_text(encoding="utf-8"), section), encoding="utf-8")
    else:
        print(section)


if __name__ == "__main__":
    main(sys.argv)
