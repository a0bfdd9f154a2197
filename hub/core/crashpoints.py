"""Named points where the process can be made to die outright, for crash tests.

A crash test must kill the hub between two writes that belong together, exactly there,
every run: waiting for the right moment from outside is a race. `reach(name)` kills the
process with SIGKILL (no clean-up, no last write) when `CRSA_CRASH_AT` names that point,
and does nothing otherwise; nothing sets it outside the tests.
"""

from __future__ import annotations

import os
import signal

# Where SBOM intake can be cut short (tests/supply/test_crash.py).
SBOM_STORED = "sbom.stored"  # the SBOM is stored and current; no finding written yet
SBOM_FINDINGS_WRITTEN = "sbom.findings_written"  # findings written, SBOM not marked matched


def reach(point: str) -> None:
    if os.environ.get("CRSA_CRASH_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
