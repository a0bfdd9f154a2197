"""An auditor's export: scores, contributions, findings and the policy, as CSV and JSON
plus a readable HTML summary, with a manifest of every file's SHA-256 and the audit
chain's head, signed with the hub's Ed25519 key. Verification needs nothing but the
export itself (and, to pin the signer, the hub's public key).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors.files import private_dir, write_private
from hub import __version__
from hub.core.model import AuditDraft, Finding
from hub.core.records.scores import ScoreRecord
from hub.core.store import Store
from hub.core.store.interface import FINDINGS
from hub.intelligence.findings import with_last_report
from hub.risk.exports import report, signing, streams
from hub.risk.scoring.compute import Run, score_hub
from hub.risk.scoring.policy import ScoringPolicy, load_policy

FORMAT = "crsa-export/1"
MANIFEST = "manifest.json"
FINDING_COLUMNS = (
    "id",
    "org_id",
    "system_id",
    "asset_id",
    "product_id",
    "purl",
    "vuln_id",
    "severity",
    "cvss",
    "kev",
    "kev_due",
    "epss",
    "status",
    "vex",
    "justification",
    "first_seen",
    "last_seen",
    "fixed_at",
)
SCORE_COLUMNS = (
    "subject",
    "kind",
    "org_id",
    "points",
    "grade",
    "band",
    "measure",
    "policy_version",
    "computed_at",
    "flags",
)


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    out = io.BytesIO()
    table = streams.CsvRows(streams.HashedFile(out), columns)
    for row in rows:
        table.add(row)
    return out.getvalue()


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, default=str) + "\n").encode()


def _finding_row(f: Finding) -> dict[str, Any]:
    row = asdict(f)
    return {
        k: (v.isoformat() if isinstance(v, datetime) else getattr(v, "value", v))
        for k, v in row.items()
    }


CONTRIBUTION_COLUMNS = ("subject", "part", "reason", "points", "detail", "flags")


def _contribution_rows(scores: list[ScoreRecord]) -> list[dict[str, Any]]:
    """Every contribution flat, for a spreadsheet: each part of each score, and inside a
    finding's or check's part, each of its factors (`part` names the finding or check)."""
    rows = []
    for s in scores:
        for p in s.contributions.get("parts", []):
            rows.append(
                {"subject": s.subject, "part": p["detail"], "reason": "part",
                 "points": p["points"], "detail": "", "flags": p.get("flags", [])}
            )  # fmt: skip
            for f in p.get("factors", []):
                rows.append(
                    {"subject": s.subject, "part": p["detail"], "reason": f["reason"],
                     "points": f["points"], "detail": f["detail"], "flags": []}
                )  # fmt: skip
    return rows


INPUTS = "inputs.json"


def create(
    store: Store,
    home: Path,
    out: Path,
    org_id: str | None,
    now: datetime,
    draft: Callable[[dict[str, Any]], AuditDraft],
    *,
    policy: tuple[ScoringPolicy, str] | None = None,  # (policy, its file's text)
    stale_after_days: int = 7,
) -> dict[str, Any]:
    """Score the hub as of `now` (in memory: an export changes no score history) and write
    the scores, their inputs and evidence into `out`, signed; the audit log records who
    exported what. `inputs.json` lets `verify --recompute` redo every number offline."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    scoring, source = policy or load_policy()
    run = Run(now, full=True, inputs=[])
    scores = score_hub(store, scoring, now, stale_after_days=stale_after_days, run=run)
    private_dir(out)
    chosen = [s for s in scores if org_id is None or s.org_id == org_id]
    # Findings are the bulk of an export: streamed from the store into their files.
    findings = with_last_report(store, store.iter_all(FINDINGS, org_id=org_id))
    csv_digest, json_digest, _ = streams.write_rows(
        (_finding_row(f) for f in findings),
        out / "findings.csv",
        out / "findings.json",
        FINDING_COLUMNS,
    )
    names = {o.id: o.name for o in store.list_organizations(limit=10_000)}
    inputs = {
        "now": now.isoformat(),
        "stale_after_days": stale_after_days,
        "policy_version": scoring.version,
        "scope": org_id or "nation",
        "organizations": sorted({s.org_id for s in chosen if s.kind == "organization"}),
        "systems": [i.to_json() for i in run.inputs or [] if org_id is None or i.org_id == org_id],
    }
    files: dict[str, bytes] = {
        "scores.csv": _csv([asdict(s) for s in chosen], SCORE_COLUMNS),
        "scores.json": _json([asdict(s) for s in chosen]),
        "contributions.csv": _csv(_contribution_rows(chosen), CONTRIBUTION_COLUMNS),
        INPUTS: _json(inputs),
        "policy.yaml": source.encode(),
        "report.html": report.render(
            chosen,
            run.org_actions,
            names,
            {sy.id: sy.name for o in names for sy in store.iter_all_systems(o)},
        ),
    }
    for name, data in files.items():
        write_private(out / name, data)
    with store.transaction() as tx:  # the head the manifest names includes this export
        tx.append_audit(
            draft({"out": str(out), "scores": len(chosen), "scope": org_id or "nation"})
        )
    head = store.audit_head()
    key = signing.hub_key(home)
    public = signing.public_b64(key.public_key())
    body = {
        "format": FORMAT,
        "hub_version": __version__,
        "created_at": now.isoformat(),
        "scope": org_id or "nation",
        "policy_version": scoring.version,
        "audit_head": {"seq": head.seq, "hash": head.hash} if head else None,
        "files": dict(
            sorted(
                {
                    **{name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
                    "findings.csv": csv_digest,
                    "findings.json": json_digest,
                }.items()
            )
        ),
        "public_key": public,
    }
    manifest = {**body, "signature": signing.sign(key, _canonical(body))}
    write_private(out / MANIFEST, _json(manifest))
    return manifest


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def verify(folder: Path, pinned_key: str | None = None) -> list[str]:
    """Problems with the export at `folder`, each naming the file; empty when it is intact."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        body = {k: v for k, v in manifest.items() if k != "signature"}
        signature, public, listed = manifest["signature"], body["public_key"], body["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST}: unreadable ({exc})"]
    problems = []
    if pinned_key is not None and public != pinned_key:
        problems.append(f"{MANIFEST}: signed by {signing.fingerprint(public)}, not the pinned key")
    if not signing.verify(public, _canonical(body), signature):
        problems.append(f"{MANIFEST}: the signature does not match its content")
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: changed since the export was signed")
    extra = sorted(p.name for p in folder.iterdir() if p.name not in listed and p.name != MANIFEST)
    problems += [f"{name}: not part of the export" for name in extra]
    return problems
