"""SQLite writes each kind's values through a row encoder planned once per class (issue
20: encoding value by value through the document codec cost more than SQLite's own work).
Its columns must be exactly those the codec gives, or a value would read back changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.core.model import Finding, FindingStatus, Severity
from hub.core.records.telemetry import AssetTelemetry
from hub.core.store.codec import encode
from hub.core.store.sqlite.store import _column, _row_encoder

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_rows_are_what_the_document_codec_gives() -> None:
    finding = Finding(
        id="f", org_id="o", system_id="s", asset_id="a", purl="pkg:deb/debian/libssl3@3.0.11",
        vuln_id="CVE-1",
        severity=Severity.HIGH, cvss=7.5, kev=True, epss=None, status=FindingStatus.OPEN,
        first_seen=NOW, last_seen=NOW + timedelta(seconds=1), fixed_at=None,
        aliases=("GHSA-2", "DSA-1"), kev_due="2026-12-31", fixed_in=("3.0.13",),
    )  # fmt: skip
    telemetry = AssetTelemetry(
        id="a", org_id="o", system_id="s", collected_at=NOW, kernel="6.1",
        checks_failed=1, checks_passed=2, data={"ports": [{"port": 22}], "domains": []},
    )  # fmt: skip
    for item in (finding, telemetry):
        encoder = _row_encoder(type(item))  # type: ignore[arg-type]
        assert encoder(item) == [_column(v) for v in encode(item).values()]
