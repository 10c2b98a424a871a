"""The one Dagster resource: which warehouse the jobs and sensors talk to, and which landing folder."""

from pathlib import Path

import dagster as dg

from warehouse.orchestration.settings import landing_dir
from warehouse.settings import Target, target_from_env


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse target (default `$WAREHOUSE_TARGET`, then duckdb, with the settings `warehouse` reads
    from the environment) and the landing folder (default `$WAREHOUSE_LANDING_DIR`, then data/landing)."""

    target_name: str | None = None
    landing_folder: str | None = None

    def target(self) -> Target:
        return target_from_env(self.target_name)

    def landing(self) -> Path:
        return Path(self.landing_folder) if self.landing_folder else landing_dir()
