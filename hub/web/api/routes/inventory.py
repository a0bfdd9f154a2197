"""Collector deliveries: inventory batches in, telemetry out."""

from __future__ import annotations

from flask import request

from collectors.endpoint.redact import scrub
from hub.core.auth import Action
from hub.core.errors import InvalidSubmission, NotFound
from hub.inventory.desk import InventoryDesk, body_digest
from hub.inventory.schema import InventoryIn, ReceiptOut, TelemetryOut
from hub.web.api.endpoint import Call, Router

router = Router("inventory")


@router.route(
    "POST",
    "/inventory",
    summary="Deliver one collector batch (JSON, optionally gzip); stored exactly once",
    body=InventoryIn,
    response=ReceiptOut,
    statuses=(201, 200),
    errors=(404, 409),
    needs=Action.WRITE_INVENTORY,
    serial=True,
)
def receive_inventory(call: Call) -> tuple[ReceiptOut, int]:
    report: InventoryIn = call.body
    key = request.headers.get("Idempotency-Key")
    if key is not None and key != report.batch_id:
        raise InvalidSubmission(
            f"Idempotency-Key {key!r} differs from the batch_id {report.batch_id!r}"
        )
    digest = body_digest(report.model_dump_json(by_alias=True).encode())
    receipt = InventoryDesk(call.store, call.hub.settings).receive(
        call.who, report, digest, call.request_id
    )
    b = receipt.batch
    out = ReceiptOut(
        batch_id=b.id,
        duplicate=receipt.duplicate,
        asset_id=b.asset_id,
        packages=b.packages,
        added=b.added,
        removed=b.removed,
        findings_opened=receipt.findings_opened,
        findings_fixed=receipt.findings_fixed,
    )
    return out, 200 if receipt.duplicate else 201


@router.route(
    "GET",
    "/assets/<asset_id>/telemetry",
    summary="The asset's latest telemetry: ports, connections, processes, check results",
    response=TelemetryOut,
    errors=(404,),
    needs=Action.READ,
)
def get_telemetry(call: Call, asset_id: str) -> TelemetryOut:
    asset = call.registry.asset(call.who, asset_id)
    t = call.store.get_telemetry(asset.id)
    if t is None:
        raise NotFound(f"asset {asset_id} has no telemetry yet", hint="run a collector on it")
    return TelemetryOut(
        asset_id=t.id,
        collected_at=t.collected_at,
        kernel=t.kernel,
        checks_failed=t.checks_failed,
        checks_passed=t.checks_passed,
        ports=t.data.get("ports", []),
        connections=t.data.get("connections", []),
        # Telemetry stored before collectors scrubbed their command lines may still hold a
        # secret (the old collector's own --token): scrubbed again on the way out.
        processes=[
            {**p, "cmdline": scrub(str(p.get("cmdline", "")))} for p in t.data.get("processes", [])
        ],
        checks=t.data.get("checks", []),
        domains=t.data.get("domains", []),
        urls=t.data.get("urls", []),
        detections=t.data.get("detections", []),
    )
