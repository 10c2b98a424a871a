"""What the orchestrator reads from the project, without importing Dagster: the build and trigger cadence
(the dbt vars `poa_build_every_minutes` and `poa_trigger_check_every_seconds` in dbt_project.yml, the one
place they are set), the landing folder, and the local Dagster home."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warehouse.settings import project_root, read_yaml

BUILD_EVERY_VAR = "poa_build_every_minutes"
TRIGGER_EVERY_VAR = "poa_trigger_check_every_seconds"
LANDING_DIR_ENV = "WAREHOUSE_LANDING_DIR"
#: Tag on every run that writes to the warehouse; the Dagster instance runs one such run at a time.
WRITER_TAG = "warehouse/writer"


@dataclass(frozen=True)
class Cadence:
    build_every_minutes: int
    trigger_check_every_seconds: int

    @property
    def build_cron(self) -> str:
        return cron_every(self.build_every_minutes)


def cadence(project_file: Path | None = None) -> Cadence:
    """The schedule and trigger intervals declared in dbt_project.yml."""
    path = project_file or project_root() / "dbt_project.yml"
    declared = read_yaml(path).get("vars") or {}
    values = {}
    for name in (BUILD_EVERY_VAR, TRIGGER_EVERY_VAR):
        value = declared.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{path}: var {name} must be a positive whole number, not {value!r}")
        values[name] = value
    return Cadence(values[BUILD_EVERY_VAR], values[TRIGGER_EVERY_VAR])


def cron_every(minutes: int) -> str:
    """A cron expression firing every `minutes` minutes, aligned on the hour (or on midnight, UTC)."""
    if 0 < minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *"
    if minutes == 60:
        return "0 * * * *"
    if minutes % 60 == 0 and 24 % (minutes // 60) == 0:
        hours = minutes // 60
        return "0 0 * * *" if hours == 24 else f"0 */{hours} * * *"
    raise ValueError(
        f"{BUILD_EVERY_VAR} = {minutes} cannot be a regular schedule: use a divisor of 60 (1, 2, 5, 10, 15, "
        "20, 30), 60, or a number of hours that divides 24 given in minutes (120, 180, 240, 360, 480, 720, 1440)"
    )


def landing_dir() -> Path:
    """The folder the landing sensor watches: `WAREHOUSE_LANDING_DIR`, else data/landing in the project."""
    value = os.environ.get(LANDING_DIR_ENV)
    path = Path(value) if value else project_root() / "data" / "landing"
    return path if path.is_absolute() else project_root() / path


def dagster_home() -> Path:
    """`DAGSTER_HOME`, else `.dagster/` in the project (gitignored): runs, schedules, logs, failures."""
    value = os.environ.get("DAGSTER_HOME")
    return Path(value) if value else project_root() / ".dagster"


INSTANCE_YAML = f"""\
# Written by `warehouse orchestrate`. One run that writes to the warehouse at a time: loads and builds
# are tagged {WRITER_TAG} and wait in the run queue while another one runs.
concurrency:
  runs:
    tag_concurrency_limits:
      - key: "{WRITER_TAG}"
        limit: 1
telemetry:
  enabled: false
"""


def prepare_dagster_home(home: Path | None = None) -> Path:
    """Creates the Dagster home with its instance settings (dagster.yaml, rewritten every time)."""
    home = home or dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    return home
