"""Severity from CVSS vectors via the cvss library, the database's rating, or unknown."""

from __future__ import annotations

import pytest

from hub.intelligence.severity import rate


@pytest.mark.parametrize(
    ("severity", "own", "expected"),
    [
        ([("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")], "", ("critical", 9.8)),
        ([("CVSS_V3", "CVSS:3.0/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N")], "", ("low", 2.8)),
        (
            [("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")],
            "",
            ("critical", 9.3),
        ),
        # v4 wins over v3 when both are given, whatever their order.
        (
            [
                ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                ("CVSS_V4", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"),
            ],
            "",
            ("medium", 4.8),
        ),
        ([("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P")], "", ("high", 7.5)),
        # A broken vector is passed over; the database's own rating then counts.
        ([("CVSS_V3", "CVSS:3.1/AV:X/garbage")], "MODERATE", ("medium", None)),
        ([], "HIGH", ("high", None)),
        ([], "", ("unknown", None)),
        ([], "whatever", ("unknown", None)),
    ],
)
def test_rating(
    severity: list[tuple[str, str]], own: str, expected: tuple[str, float | None]
) -> None:
    rating = rate(severity, {"severity": own} if own else {})
    assert (rating.severity, rating.score) == expected
