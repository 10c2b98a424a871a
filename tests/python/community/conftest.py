"""The community tests' dbt artifacts (target/, logs/) go to one temporary folder for the whole session: the
shared project's target/ is left alone, and dbt's partial parsing is reused between the tests' builds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def community_dbt_artifacts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("community_dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        yield folder
