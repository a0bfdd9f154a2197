"""An auditor's export: scores, contributions, findings and the policy, as CSV and JSON
plus a readable HTML summary, with a manifest of every file's SHA-256 and the audit
chain's head, signed with the hub's Ed25519 key. Verification needs nothing but the
export itself (and, to pin the signer, the hub's public key).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors.files import private_dir, write_private
from hub import __version__
from hub.core.model import AuditDraft, Finding, OrgKind
from hub.core.records.scores import ScoreRecord
from hub.core.store import Store
from hub.core.store.interface import FINDINGS
from hub.intelligence.findings import with_last_report
from hub.risk.exports import report, signing, streams
from hub.risk.scoring.compute import Run, score_hub_stream
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


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, default=str) + "\n").encode()


def _finding_row(f: Finding) -> dict[str, Any]:
    row = asdict(f)
    return {
        k: (v.isoformat() if isinstance(v, datetime) else getattr(v, "value", v))
        for k, v in row.items()
    }


CONTRIBUTION_COLUMNS = ("subject", "part", "reason", "points", "detail", "flags")


def _contribution_rows(s: ScoreRecord) -> Iterator[dict[str, Any]]:
    """A score's contributions flat, for a spreadsheet: each of its parts, and inside a
    finding's or check's part, each of its factors (`part` names the finding or check)."""
    for p in s.contributions.get("parts", []):
        yield {"subject": s.subject, "part": p["detail"], "reason": "part",
               "points": p["points"], "detail": "", "flags": p.get("flags", [])}  # fmt: skip
        for f in p.get("factors", []):
            yield {"subject": s.subject, "part": p["detail"], "reason": f["reason"],
                   "points": f["points"], "detail": f["detail"], "flags": []}  # fmt: skip


@dataclass
class Written:
    """What the report needs of the scores once they are in their files: the agencies'
    records, each system's flags and the agencies' actions; never an asset's record."""

    scores: int = 0
    organizations: list[ScoreRecord] = field(default_factory=list)
    system_flags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    org_actions: dict[str, dict[str, Any]] = field(default_factory=dict)


def _write_scores(
    store: Store,
    out: Path,
    org_id: str | None,
    now: datetime,
    scoring: ScoringPolicy,
    stale_after_days: int,
    digests: dict[str, str],
) -> Written:
    """Score the hub system by system (in memory: an export changes no score history) and
    write each system's records, their contributions and its inputs as they come, so an
    export's memory is one system's, not the nation's (issue 20: 2.1 GB at 100,000
    assets when every record was held to the end)."""
    run = Run(now, full=True, inputs=[])
    written = Written()
    agencies = store.list_organizations(kind=OrgKind.AGENCY, limit=10_000)
    head = {
        "now": now.isoformat(),
        "stale_after_days": stale_after_days,
        "policy_version": scoring.version,
        "scope": org_id or "nation",
        "organizations": sorted(o.id for o in agencies if org_id is None or o.id == org_id),
    }
    with (
        streams.hashed(out / "scores.csv") as scores_csv,
        streams.hashed(out / "scores.json") as scores_json,
        streams.hashed(out / "contributions.csv") as parts_csv,
        streams.hashed(out / INPUTS) as inputs_json,
    ):
        table = streams.CsvRows(scores_csv, SCORE_COLUMNS)
        array = streams.JsonArray(scores_json)
        parts = streams.CsvRows(parts_csv, CONTRIBUTION_COLUMNS)
        systems = streams.json_object_with_array(inputs_json, head, "systems")
        batches = score_hub_stream(store, scoring, now, run, stale_after_days=stale_after_days)
        for batch in batches:
            for i in run.inputs or []:
                if org_id is None or i.org_id == org_id:
                    systems.add(i.to_json())
            (run.inputs or []).clear()
            for org, shares in list(run.org_actions.items()):  # an agency's, once complete
                if org not in written.org_actions:
                    written.org_actions[org] = report.shown_shares(org, shares)
                    del run.org_actions[org]
            for record in batch.records:
                if org_id is not None and record.org_id != org_id:
                    continue
                row = asdict(record)
                table.add(row)
                array.add(row)
                for part in _contribution_rows(record):
                    parts.add(part)
                written.scores += 1
                if record.kind == "organization":
                    written.organizations.append(record)
                elif record.kind == "system":
                    written.system_flags[record.subject] = record.flags
        array.close()
        systems.close()
        streams.end_object(inputs_json)
    for name, stream in (
        ("scores.csv", scores_csv),
        ("scores.json", scores_json),
        ("contributions.csv", parts_csv),
        (INPUTS, inputs_json),
    ):
        digests[name] = stream.sha256
    return written


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
    private_dir(out)
    # Findings are the bulk of an export: streamed from the store into their files.
    findings = with_last_report(store, store.iter_all(FINDINGS, org_id=org_id))
    digests: dict[str, str] = {}
    digests["findings.csv"], digests["findings.json"], _ = streams.write_rows(
        (_finding_row(f) for f in findings),
        out / "findings.csv",
        out / "findings.json",
        FINDING_COLUMNS,
    )
    written = _write_scores(store, out, org_id, now, scoring, stale_after_days, digests)
    names = {o.id: o.name for o in store.list_organizations(limit=10_000)}
    files: dict[str, bytes] = {
        "policy.yaml": source.encode(),
        "report.html": report.render(
            written.organizations,
            written.system_flags,
            written.org_actions,
            names,
            {sy.id: sy.name for o in names for sy in store.iter_all_systems(o)},
        ),
    }
    for name, data in files.items():
        write_private(out / name, data)
    with store.transaction() as tx:  # the head the manifest names includes this export
        tx.append_audit(
            draft({"out": str(out), "scores": written.scores, "scope": org_id or "nation"})
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
                    **digests,
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
