"""The plausible window of landed timestamps (quality.md, "Bad data: where each kind stops").

A timestamp before `landing_min_timestamp` (dbt var, default 2015-01-01), after the load time plus
`landing_max_clock_skew_minutes` (dbt var, default 10), or infinite is rejected `timestamp_out_of_range`:
one vote dated 2099 would otherwise become every time-windowed mart's "now".

The defaults live in dbt_project.yml `vars:`; the environment overrides them for one load:
`WAREHOUSE_LANDING_MIN_TIMESTAMP`, `WAREHOUSE_LANDING_MAX_CLOCK_SKEW_MINUTES`, and
`WAREHOUSE_LANDING_REFERENCE_AT` (the "load time" to measure the skew from, for replaying data
stamped ahead of this machine's clock).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from warehouse.settings import project_root, read_yaml

MIN_ENV = "WAREHOUSE_LANDING_MIN_TIMESTAMP"
SKEW_ENV = "WAREHOUSE_LANDING_MAX_CLOCK_SKEW_MINUTES"
REFERENCE_ENV = "WAREHOUSE_LANDING_REFERENCE_AT"


@dataclass(frozen=True)
class LandingWindow:
    earliest: datetime
    latest: datetime
    skew_minutes: float

    def problem(self, value: datetime, name: str) -> str | None:
        """Why a (naive UTC) timestamp is out of the window, or None."""
        if value < self.earliest:
            return f"{name} {value:%Y-%m-%d %H:%M:%S} is before landing_min_timestamp {self.earliest:%Y-%m-%d}"
        if value > self.latest:
            return (
                f"{name} {value:%Y-%m-%d %H:%M:%S} is after the load time + {self.skew_minutes:g} min "
                f"({self.latest:%Y-%m-%d %H:%M:%S} UTC)"
            )
        return None


@lru_cache(maxsize=1)
def _project_vars() -> dict:
    document = read_yaml(project_root() / "dbt_project.yml")
    return document.get("vars") or {}


def _naive_utc(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"{name} must be an ISO-8601 timestamp, not {text!r}") from None
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def landing_window(env: dict[str, str] | None = None) -> LandingWindow:
    env = dict(os.environ if env is None else env)
    project = _project_vars()
    earliest = _naive_utc(env.get(MIN_ENV) or project.get("landing_min_timestamp", "2015-01-01"), MIN_ENV)
    try:
        skew = float(env.get(SKEW_ENV) or project.get("landing_max_clock_skew_minutes", 10))
    except ValueError:
        raise ValueError(f"{SKEW_ENV} must be a number of minutes") from None
    reference = env.get(REFERENCE_ENV)
    now = _naive_utc(reference, REFERENCE_ENV) if reference else datetime.now(timezone.utc).replace(tzinfo=None)
    return LandingWindow(earliest, now + timedelta(minutes=skew), skew)
