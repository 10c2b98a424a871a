"""The orchestration tests: they need the `orchestration` extra (`make test` installs it). One tiny community
warehouse is built once per module and copied for each test; dbt's artifacts go to a temporary folder."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("dagster", reason="the orchestration extra is not installed: pip install -e '.[orchestration]'")
pytest.importorskip("dagster_dbt", reason="the orchestration extra is not installed: pip install -e '.[orchestration]'")


@pytest.fixture(scope="session", autouse=True)
def orchestration_dbt_artifacts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("orchestration_dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        yield folder


@pytest.fixture(scope="session")
def defs():
    from warehouse.orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def tiny_built(tmp_path_factory, defs):
    """A tiny world (every domain) landed, then built, audited and published once by the warehouse_build job."""
    import dagster as dg

    from warehouse.generate import generate_world
    from warehouse.loaders.run import load
    from warehouse.settings import target_from_env

    world = tmp_path_factory.mktemp("tiny_world")
    generate_world("tiny", 13, world)
    path = tmp_path_factory.mktemp("tiny_warehouse") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_TARGET", "duckdb")
        patch.setenv("WAREHOUSE_DUCKDB_PATH", str(path))
        assert load([world], target_from_env()).ok
        run = defs.resolve_job_def("warehouse_build").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert run.success
    assert not path.with_name(path.name + ".wal").exists()  # the build closed its connection: nothing pending
    assert (path.parent / "marts.duckdb").exists()  # audited and published
    built = {event.asset_key.to_user_string() for event in run.get_asset_materialization_events()}
    assert {"marts/nft_scores", "marts/feed_projects", "snapshots/clan_member_history"} <= built
    return path


@pytest.fixture
def warehouse(tiny_built, tmp_path, monkeypatch):
    """A private copy of the built tiny warehouse, the target of every job and sensor (via the environment),
    with an empty landing folder and a Dagster home of its own."""
    from warehouse.settings import target_from_env

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(tiny_built, path)
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("WAREHOUSE_TARGET", "duckdb")
    monkeypatch.setenv("WAREHOUSE_DUCKDB_PATH", str(path))
    monkeypatch.setenv("WAREHOUSE_LANDING_DIR", str(landing))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return target_from_env("duckdb")
