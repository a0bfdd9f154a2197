"""The human-readable part of an export: one HTML page, a section per agency.

Each section says what the agency's score is, how much of it the data covers, which
systems carry it, and which remediation actions would remove most of it, so a reader
who never opens the CSV files still sees why the number is what it is.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from hub.core.records.scores import ScoreRecord
from hub.risk.scoring.actions import merge_shares

TOP_ACTIONS = 10


def _cell(value: object) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def _table(head: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    header = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _actions(org_id: str, shares: dict[str, Any]) -> list[dict[str, Any]]:
    merged = merge_shares([(org_id, shares)]).values()
    return sorted(merged, key=lambda a: (-a["points"], a["key"]))[:TOP_ACTIONS]


def shown_shares(org_id: str, shares: dict[str, Any]) -> dict[str, Any]:
    """The part of an agency's action shares the report shows: its top actions' shares,
    so an export need not keep every agency's every action until the page is written."""
    return {a["key"]: shares[a["key"]] for a in _actions(org_id, shares)}


def _graded(r: ScoreRecord) -> str:
    """The index with its band letter (scores from before bands: the number alone)."""
    return f"{r.grade:.1f} (band {r.band})" if r.band else f"{r.grade:.1f}"


def render(
    organizations: list[ScoreRecord],
    system_flags: dict[str, tuple[str, ...]],
    org_actions: dict[str, dict[str, Any]],
    names: dict[str, str],
    system_names: dict[str, str],
) -> bytes:
    """The page from the agencies' records and each system's flags (by subject): what a
    reader needs, and small beside the assets' records, which the export never holds."""
    when = organizations[0].computed_at.isoformat() if organizations else ""
    policy = organizations[0].policy_version if organizations else ""
    orgs = sorted(organizations, key=lambda r: (-r.grade, -r.points))
    summary = _table(
        (
            "Agency",
            "Risk index (0-100, higher is worse)",
            "Points per asset",
            "Points",
            "Assets reporting",
            "Systems with SBOM",
            "Flags",
        ),
        (
            (
                names.get(r.org_id, r.org_id),
                _graded(r),
                f"{r.measure:,.1f}",
                f"{r.points:,.1f}",
                f"{r.coverage.get('asset_share', 0):.0%}",
                f"{r.coverage.get('sbom_share', 0):.0%}",
                ", ".join(r.flags),
            )
            for r in orgs
        ),
    )
    sections = []
    for r in orgs:
        parts = sorted(r.contributions.get("parts", []), key=lambda p: -p["points"])
        system_rows = (
            (
                system_names.get(p["detail"].split(":", 1)[1], p["detail"]),
                f"{p['points']:,.1f}",
                ", ".join(system_flags.get(p["detail"], ())),
            )
            for p in parts
        )
        action_rows = (
            (a["key"], a["target"] or "-", f"{a['points']:,.1f}", a["targets"], a["kev_due"] or "")
            for a in _actions(r.org_id, org_actions.get(r.org_id, {}))
        )
        thin = "thin_coverage" in r.flags
        sections.append(
            f"<section><h2>{html.escape(names.get(r.org_id, r.org_id))}</h2>"
            f"<p>Risk index {html.escape(_graded(r))}: {r.measure:,.1f} points per asset,"
            f" {r.points:,.1f} points in all, from {len(parts)} systems;"
            f" {r.coverage.get('assets_reporting', 0)} of {r.coverage.get('assets', 0)} assets"
            f" reported recently, {r.coverage.get('systems_with_sbom', 0)} of"
            f" {r.coverage.get('systems', 0)} systems have a current SBOM."
            + (
                " <strong>Thin coverage: this score may understate the risk.</strong>"
                if thin
                else ""
            )
            + "</p><h3>Systems</h3>"
            + _table(("System", "Points", "Flags"), system_rows)
            + "<h3>Actions that remove the most risk</h3>"
            + _table(("Action", "Upgrade to", "Points removed", "Assets", "KEV due"), action_rows)
            + "</section>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>CRSA risk report</title><style>body{font-family:sans-serif;max-width:70em}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #999;"
        "padding:.2em .5em;text-align:left}</style></head><body>"
        f"<h1>CRSA risk report</h1><p>Scores as of {html.escape(when)}, policy"
        f" {html.escape(policy)}. Every number is the sum of the contributions in scores.json"
        " and contributions.csv; <code>crsa export verify --recompute</code> redoes them from"
        f" inputs.json.</p>{summary}{''.join(sections)}</body></html>\n"
    ).encode()
