"""The triage queue: "worst problems first" as ranked remediation actions.

The numbers come from the last scoring (each agency's share of every action, rebuilt
whenever one of its systems is rescored), so the queue is as fresh as the scores and
costs one document per agency, never a pass over systems or findings. The people's side
(status, owner, comments, accepted risks) lives in triage items keyed by the action;
setting an accepted risk marks the systems it touches, so the next scoring run counts
their findings at the reduced weight, and no sooner.

An agency user sees its own agency's share of each action and may comment and accept
risk for its agency; SOC analysts and admins see the whole hub and set status and owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from hub.core.auth import Action, Principal
from hub.core.errors import InvalidSubmission, NotFound
from hub.core.model import AuditDraft, utcnow
from hub.core.records.triage import ALL_AGENCIES, TriageItem, TriageStatus
from hub.core.store import Store
from hub.core.store.interface import ACTION_SHARES, TRIAGE
from hub.risk.scoring.actions import merge_shares

# Done and accepted actions sink below the open ones; within a group, points decide.
_ORDER = {"open": 0, "in_progress": 0, "accepted_risk": 1, "done": 2}
MAX_COMMENT = 4000


def _title(action: dict[str, Any]) -> str:
    kind, _, what = action["key"].partition(" ")
    where = f"{action['targets']} asset{'s' if action['targets'] != 1 else ''}"
    agencies = len(action["orgs"])
    where += f" in {agencies} agenc{'ies' if agencies != 1 else 'y'}"
    if kind == "upgrade":
        head = f"upgrade {what} to {action['target']}"
    elif kind == "mitigate":
        head = f"mitigate {what} (no fixed version yet)"
    elif kind == "investigate" and what.startswith("incident "):
        head = f"investigate incident {action['title'] or what.removeprefix('incident ')}"
        head += f" ({what.removeprefix('incident ')}), reported"
    elif kind == "investigate":
        indicator = what.removeprefix("indicator ")
        head = f"investigate {action['title'] or 'indicator'} ({indicator}), sighted"
    else:
        head = f"fix configuration check {what}" + (
            f" ({action['title']})" if action["title"] else ""
        )
    text = f"{head} on {where}: removes {action['points']:,.0f} risk points"
    if action["kev_due"]:
        text += f"; KEV due {action['kev_due']}"
    return text


def _kind(action: dict[str, Any]) -> str:
    """An investigation is what the API and pages have always called a sighting item, or
    an incident's when an agency reported it."""
    if action["kind"] != "investigate":
        return str(action["kind"])
    return "incident" if action["key"].startswith("investigate incident ") else "sighting"


def _status(text: str) -> str:
    try:
        return TriageStatus(text).value
    except ValueError:
        raise InvalidSubmission(
            f"status {text!r} is not one of {', '.join(s.value for s in TriageStatus)}"
        ) from None


def collapse(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Repeats of one author's same text become one comment with `count`, the first time
    (`first_at`) and the latest (`at`), where the latest repeat stood."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for c in comments:
        key = (str(c.get("by", "")), str(c.get("text", "")))
        earlier = merged.pop(key, None)  # re-inserted below: it moves to the latest place
        count = int(c.get("count", 1))
        if earlier is None:
            merged[key] = {**c, "count": count, "first_at": c.get("first_at", c["at"])}
        else:
            merged[key] = {
                **c,
                "count": earlier["count"] + count,
                "first_at": earlier["first_at"],
                "at": max(str(earlier["at"]), str(c["at"])),
            }
    return list(merged.values())


def _due_in(kev_due: str | None, today: date) -> int | None:
    return None if not kev_due else (date.fromisoformat(kev_due[:10]) - today).days


class TriageDesk:
    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock

    def _items(self) -> dict[str, TriageItem]:
        return {i.key: i for i in self.store.iter_all(TRIAGE)}

    def queue(
        self,
        who: Principal,
        *,
        status: str | None = None,
        kind: str | None = None,
        org_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every current action the caller may see, worst first."""
        who.require(Action.READ)
        scope = who.org_filter(org_id)
        docs = self.store.iter_all(ACTION_SHARES, org_id=scope, level="organization")
        actions = merge_shares((d.org_id, d.actions) for d in docs)
        items = self._items()
        now = self.clock()
        rows = [self._row(a, items.get(a["key"]), who, now) for a in actions.values()]
        rows += [
            self._opened(item, who)
            for item in items.values()
            if item.origin and item.key not in actions and self._in_scope(item, scope)
        ]
        if status:
            rows = [r for r in rows if r["status"] == _status(status)]
        if kind:
            rows = [r for r in rows if r["kind"] == kind]
        rows.sort(
            key=lambda r: (
                _ORDER[r["status"]],
                -r["points"],
                r["due_in_days"] if r["due_in_days"] is not None else 10**6,
                r["key"],
            )
        )
        for n, row in enumerate(rows, 1):
            row["rank"] = n
        return rows

    @staticmethod
    def _in_scope(item: TriageItem, scope: str | None) -> bool:
        return scope is None or scope in item.origin.get("org_ids", [])

    def _opened(self, item: TriageItem, who: Principal) -> dict[str, Any]:
        """A row for an item a playbook opened with no ranked action behind it (a sighting
        to investigate, a missing SBOM): no risk points of its own, so it ranks by status."""
        orgs = item.origin.get("org_ids", [])
        row = {
            "id": item.id,
            "key": item.key,
            "kind": item.origin.get("kind", "playbook"),
            "title": item.origin.get("title", item.key),
            "target": "",
            "points": 0.0,
            "findings": 0,
            "assets": len(item.origin.get("assets", [])),
            "agencies": len(orgs),
            "kev_due": None,
            "due_in_days": None,
            "vulnerabilities": [],
            "status": item.status,
            "owner": item.owner,
            "comments": self._comments(item, who),
            "accepted_until": None,
            "playbook": item.origin.get("playbook", ""),
        }
        if not who.scoped:
            row["org_ids"] = sorted(orgs)
        return row

    def _comments(self, item: TriageItem, who: Principal) -> list[dict[str, Any]]:
        """An action shared by several agencies carries all their comments; an agency sees
        only its own organization's, like the rest of its data. Comments written before
        they recorded an organization are attributed through their author's token. A
        remark repeated by the same author reads once, with its count and latest time."""
        mine = list(item.comments)
        if who.scoped:
            mine = [c for c in mine if self._comment_org(c) == who.org_id]
        return collapse(mine)

    def _comment_org(self, comment: dict[str, Any]) -> str | None:
        if "org_id" in comment:
            return str(comment["org_id"])
        kind, _, token_id = str(comment.get("by", "")).partition(":")
        token = self.store.get_token(token_id) if kind == "token" else None
        return None if token is None else token.org_id

    def _row(
        self, action: dict[str, Any], item: TriageItem | None, who: Principal, now: datetime
    ) -> dict[str, Any]:
        accepted = item.accepted_until(who.org_id or ALL_AGENCIES, now) if item else None
        status = item.status if item else TriageStatus.OPEN.value
        if who.scoped and accepted is not None:
            status = TriageStatus.ACCEPTED_RISK.value  # accepted for this agency
        elif status == TriageStatus.ACCEPTED_RISK.value and accepted is None:
            status = TriageStatus.OPEN.value  # the acceptance expired: back in the queue
        row = {
            "id": TriageItem.key_id(action["key"]),
            "key": action["key"],
            # an investigation is what the API and pages have always called a sighting item
            "kind": _kind(action),
            "title": _title(action),
            # what the action is about in its own words (an indicator's name, a check's
            # title): pages that word the title in another language start from it
            "subject_title": action["title"],
            "target": action["target"],
            "points": round(action["points"], 6),
            "findings": action["findings"],
            "assets": action["targets"],
            "agencies": len(action["orgs"]),
            "kev_due": action["kev_due"],
            "due_in_days": _due_in(action["kev_due"], now.date()),
            "vulnerabilities": action["vulns"],
            "status": status,
            "owner": item.owner if item else "",
            "comments": self._comments(item, who) if item else [],
            "accepted_until": accepted.isoformat() if accepted else None,
            "playbook": item.origin.get("playbook", "") if item else "",
        }
        if not who.scoped:
            row["org_ids"] = sorted(action["orgs"])
        return row

    def get(self, who: Principal, action_id: str) -> dict[str, Any]:
        for row in self.queue(who):
            if row["id"] == action_id:
                return row
        raise NotFound(f"no triage action {action_id} in your view of the queue")

    def update(
        self,
        who: Principal,
        action_id: str,
        request_id: str,
        *,
        status: str | None = None,
        owner: str | None = None,
        comment: str | None = None,
        accepted_until: datetime | None = None,
        reason: str = "",
    ) -> dict[str, Any]:
        """Change an action's status, owner or comments; accepting a risk needs an end date
        and a reason, and holds for the caller's agency (or every agency, for the SOC)."""
        row = self.get(who, action_id)  # scoped: an action the caller cannot see is 404
        now = self.clock()
        if status is not None or owner is not None:
            who.require(Action.MANAGE_TRIAGE)
        if comment is not None:
            who.require(Action.COMMENT)
            if not comment.strip() or len(comment) > MAX_COMMENT:
                raise InvalidSubmission(f"a comment needs 1 to {MAX_COMMENT} characters")
        if status is not None:
            status = _status(status)
        accepting = accepted_until is not None or status == TriageStatus.ACCEPTED_RISK.value
        if accepting:
            who.require(Action.ACCEPT_RISK)
            if accepted_until is None or accepted_until <= now:
                raise InvalidSubmission(
                    "accepting a risk needs 'accepted_until', a time in the future",
                    hint="risks are accepted for a while and come back when that ends",
                )
            if not reason.strip():
                raise InvalidSubmission("accepting a risk needs a 'reason' for the auditors")
        item = self._items().get(row["key"]) or TriageItem(
            row["id"], row["key"], "open", "", (), {}, now, now
        )
        changed = item
        if status is not None and not (who.scoped and accepting):
            changed = replace(changed, status=status)
            if status != TriageStatus.ACCEPTED_RISK.value and ALL_AGENCIES in changed.accepted:
                rest = {k: v for k, v in changed.accepted.items() if k != ALL_AGENCIES}
                changed = replace(changed, accepted=rest)  # reopened: the acceptance ends
        if owner is not None:
            changed = replace(changed, owner=owner.strip())
        if comment is not None:
            note = {
                "at": now.isoformat(),
                "by": who.actor,
                "org_id": who.org_id or "",
                "text": comment.strip(),
            }
            changed = replace(changed, comments=(*changed.comments, note))
        if accepting:
            assert accepted_until is not None
            who_for = who.org_id if who.scoped and who.org_id else ALL_AGENCIES
            grant = {
                "until": accepted_until.isoformat(),
                "reason": reason.strip(),
                "by": who.actor,
                "at": now.isoformat(),
            }
            changed = replace(changed, accepted={**changed.accepted, who_for: grant})
            if not who.scoped:
                changed = replace(changed, status=TriageStatus.ACCEPTED_RISK.value)
        if changed == item:
            return row
        changed = replace(changed, updated_at=now)
        with self.store.transaction() as tx:
            tx.put_triage(changed)
            if changed.accepted != item.accepted:
                tx.mark_changed(self._systems_with(row["key"], who), "accepted_risk")
            tx.append_audit(
                AuditDraft(
                    who.actor,
                    "triage.update",
                    row["id"],
                    request_id,
                    {
                        "key": row["key"],
                        "status": changed.status,
                        "owner": changed.owner,
                        "comment": comment is not None,
                        "accepted": {k: v["until"] for k, v in changed.accepted.items()},
                    },
                    now,
                )
            )
        return self.get(who, action_id)

    def _systems_with(self, key: str, who: Principal) -> list[tuple[str, str]]:
        scope = who.org_filter(None)
        docs = self.store.iter_all(ACTION_SHARES, org_id=scope, level="system")
        return [(d.org_id, d.id.split(":", 1)[1]) for d in docs if key in d.actions]
