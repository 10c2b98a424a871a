"""Shared fixtures: warehouse targets on DuckDB (a temp file) and on the real PostgreSQL server."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import pytest
from warehouse_testing import PG_ENV, duckdb_database, postgres_database, postgres_unreachable_reason

from warehouse.settings import Target, target_from_env

#: Seconds each test group took in a recorded run (`pytest --record-test-costs`); groups run longest first.
TEST_COSTS = Path(__file__).with_name("test_costs.json")
#: This folder as the start of a node id (node ids are relative to the project root, pytest's rootdir).
TESTS_FOLDER = Path(__file__).parent.relative_to(Path(__file__).parents[2])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-test-costs",
        action="store_true",
        help=f"record the seconds (setup, call and teardown) of each test group that ran in {TEST_COSTS.name}",
    )


def suite_group(nodeid: str) -> str:
    """The group of a test: a suite folder's files run on one pytest-xdist worker, since its conftest builds one
    warehouse for all of them; a file at the top is a group of its own. Either is the first part of the
    test's path below this folder."""
    return Path(nodeid.split("::")[0]).relative_to(TESTS_FOLDER).parts[0]


def recorded_costs() -> dict[str, float]:
    return json.loads(TEST_COSTS.read_text()) if TEST_COSTS.exists() else {}


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """With `--dist loadscope`, a worker takes a whole group at a time (see suite_group)."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SuiteScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return suite_group(nodeid)

    return SuiteScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The groups longest first (with `--no-loadscope-reorder` the workers take them in this order, so that no
    long group starts last); groups not yet recorded run after the others."""
    costs = recorded_costs()
    items.sort(key=lambda item: -costs.get(suite_group(item.nodeid), 0.0))


_recorded_costs: Counter[str] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _recorded_costs[suite_group(report.nodeid)] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.getoption("record_test_costs") and not hasattr(session.config, "workerinput"):
        costs = recorded_costs()
        costs.update({group: round(seconds, 1) for group, seconds in _recorded_costs.items()})
        ordered = dict(sorted(costs.items(), key=lambda item: -item[1]))
        TEST_COSTS.write_text(json.dumps(ordered, indent=2) + "\n")


@pytest.fixture(scope="session", autouse=True)
def dbt_artifacts(tmp_path_factory):
    """dbt's target/ and logs/ of this test session (of this worker, under pytest-xdist) in a folder of its
    own, so that parallel sessions never share a manifest or a partial-parse file."""
    folder = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        yield folder


@pytest.fixture(scope="session", autouse=True)
def analyst_role():
    """Roles are cluster-wide: this session's PostgreSQL builds grant to an analyst role of its own
    (WAREHOUSE_ANALYST_ROLE, read by dbt_project.yml), dropped at the end."""
    role = f"warehouse_analyst_{uuid.uuid4().hex[:10]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_ANALYST_ROLE", role)
        yield role
    if postgres_unreachable_reason() is None:
        import psycopg2

        admin = psycopg2.connect(target_from_env("postgres", PG_ENV).pg_dsn("postgres"))
        admin.autocommit = True
        with admin.cursor() as cur:
            try:
                cur.execute(f'drop role if exists "{role}"')
            except psycopg2.Error:  # still granted in a database another fixture failed to drop
                pass
        admin.close()


@pytest.fixture
def duckdb_target() -> Target:
    """A fresh DuckDB file, removed afterwards."""
    with duckdb_database() as target:
        yield target


@pytest.fixture
def postgres_target():
    """A fresh database on the server, dropped afterwards."""
    with postgres_database() as target:
        yield target


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request) -> Target:
    """Each test using it runs once on DuckDB and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_target")
