"""Incidents: agencies report them (a form of the hub's own, or a STIX 2.1 bundle), the
operator's analysts and the agency move them through their states, and each reads them
with what the hub correlated them with."""

from __future__ import annotations

from hub.core.auth import Action
from hub.core.errors import InvalidSubmission
from hub.core.records.incidents import Incident
from hub.sharing.incidents import correlation
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.schema import IncidentIn, IncidentPatch, IncidentShare
from hub.web.api.endpoint import Call, Router, patch_changes
from hub.web.api.threat_schemas import (
    IncidentDetail,
    IncidentOut,
    IncidentPage,
    IncidentQuery,
    IncidentReportQuery,
    LinkOut,
    SharedReport,
)

router = Router("incidents")


def incident_out(i: Incident) -> IncidentOut:
    return IncidentOut.model_validate({k: v for k, v in i.__dict__.items() if k != "objects"})


def _detail(call: Call, i: Incident) -> IncidentDetail:
    desk = IncidentDesk(call.store)
    cluster = [c.id for c in correlation.cluster_of(call.store, i) if call.who.sees_org(c.org_id)]
    links = [
        LinkOut.model_validate(link.__dict__)
        for link in desk.links(i)
        if link.kind != "incident" or call.who.sees_org(link.org_id)
    ]
    return IncidentDetail.model_validate(
        {**incident_out(i).model_dump(), "links": links, "cluster": cluster,
         "objects": list(i.objects)}
    )  # fmt: skip


@router.route(
    "POST",
    "/incidents",
    summary="Report an incident: the hub's form, or a STIX 2.1 bundle with one incident",
    body=IncidentIn,
    query=IncidentReportQuery,
    response=IncidentDetail,
    statuses=(201, 200),
    errors=(404, 409),
    needs=Action.REPORT_INCIDENTS,
)
def report_incident(call: Call) -> tuple[IncidentDetail, int]:
    body: IncidentIn = call.body
    q: IncidentReportQuery = call.query
    incident, written = IncidentDesk(call.store).report(
        call.who,
        body.root,
        call.request_id,
        org_id=q.org_id,
        severity=q.severity,
        systems=[q.system_id] if q.system_id else [],
    )
    return _detail(call, incident), 201 if written else 200


@router.route(
    "GET",
    "/incidents",
    summary="Incidents in the token's scope (an agency: its own)",
    query=IncidentQuery,
    response=IncidentPage,
    needs=Action.READ,
)
def list_incidents(call: Call) -> IncidentPage:
    q: IncidentQuery = call.query
    items = IncidentDesk(call.store).listing(
        call.who, org_id=q.org_id, state=q.state, after=q.after, limit=q.limit
    )
    return IncidentPage(
        items=[incident_out(i) for i in items],
        next=items[-1].id if len(items) == q.limit else None,
    )


@router.route(
    "GET",
    "/incidents/<incident_id>",
    summary="One incident with its links (why each) and its cluster",
    response=IncidentDetail,
    errors=(404,),
    needs=Action.READ,
)
def get_incident(call: Call, incident_id: str) -> IncidentDetail:
    return _detail(call, IncidentDesk(call.store).get(call.who, incident_id))


@router.route(
    "PATCH",
    "/incidents/<incident_id>",
    summary="Move an incident to another state, or set its owner or severity",
    body=IncidentPatch,
    response=IncidentDetail,
    errors=(404,),
    needs=Action.REPORT_INCIDENTS,
)
def change_incident(call: Call, incident_id: str) -> IncidentDetail:
    changes = patch_changes(call.body)
    updated = IncidentDesk(call.store).change(call.who, incident_id, changes, call.request_id)
    return _detail(call, updated)


@router.route(
    "POST",
    "/incidents/<incident_id>/share",
    summary="Share the incident with partners as a sanitised STIX report",
    body=IncidentShare,
    response=SharedReport,
    errors=(404,),
    needs=Action.REPORT_INCIDENTS,
)
def share_incident(call: Call, incident_id: str) -> SharedReport:
    body: IncidentShare = call.body
    target = body.collection_id or call.hub.settings.share_collection
    if not target:
        raise InvalidSubmission(
            "no collection to publish into", hint="give collection_id, or set share_collection"
        )
    objects, status = IncidentDesk(call.store).share(
        call.who, incident_id, target, call.request_id, tlp=body.tlp, allow=frozenset(body.allow)
    )
    report = next(o for o in objects if o["type"] == "report")
    return SharedReport(
        report_id=report["id"], collection_id=target, new=status is not None, objects=objects
    )
