"""From what one 2-core machine measured to what 1,000,000 endpoints would need.

Every input is a measured figure of the run except the assumptions below, which are named
here once and printed with the projection, so that a reader can redo it with their own.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

DAY = 86_400.0


@dataclass(frozen=True)
class Assumptions:
    endpoints: int = 1_000_000
    reports_per_endpoint_per_day: float = 1.0
    # The busiest hour's reports against the day's average hour: collectors run when
    # machines start, so mornings carry several times the mean (the "morning peaks").
    peak_factor: float = 4.0
    # Hosts reporting for the first time on a day (new machines, reinstalls).
    new_hosts_per_day: float = 0.01
    feed_syncs_per_day: int = 24


def project(measured: dict[str, Any], assume: Assumptions = Assumptions()) -> dict[str, Any]:
    """The national day at `assume.endpoints`, from the run's per-unit costs."""
    hosts = measured["hosts"]
    first = measured["day1"]
    repeat = measured["day2"]
    scale = assume.endpoints / hosts
    reports = assume.endpoints * assume.reports_per_endpoint_per_day
    new = reports * assume.new_hosts_per_day
    peak_rate = reports / DAY * assume.peak_factor
    feed = measured["feed_sync"]
    cpu_day = (
        (reports - new) * repeat["hub_cpu_ms_per_host"] / 1000
        + new * first["hub_cpu_ms_per_host"] / 1000
        + assume.feed_syncs_per_day * feed["cpu_seconds_per_sync"] * scale
        + measured["scoring"]["incremental"]["cpu_seconds"] * scale
    )
    one_node = repeat["hosts_per_second"]
    return {
        "assumptions": asdict(assume),
        "reports_per_day": round(reports),
        "peak_reports_per_second": round(peak_rate, 1),
        "one_node": {
            "measured_hosts_per_second_repeat": one_node,
            "measured_hosts_per_second_first": first["hosts_per_second"],
            "hours_for_the_days_reports": round(reports / one_node / 3600, 1),
            "keeps_up_with_the_peak": one_node >= peak_rate,
            "first_time_fleet_hours": round(assume.endpoints / first["hosts_per_second"] / 3600, 1),
        },
        "hub_cpu_core_hours_per_day": round(cpu_day / 3600, 1),
        "hub_cores_at_peak": math.ceil(peak_rate * repeat["hub_cpu_ms_per_host"] / 1000),
        "store_gb": round(measured["store_bytes"] * scale / 1e9, 1),
        "findings": round(measured["findings"] * scale),
        "full_score_hours": round(measured["scoring"]["full"]["seconds"] * scale / 3600, 2),
    }
