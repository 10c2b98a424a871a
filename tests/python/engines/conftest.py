"""The engine tests' dbt artifacts (target/, logs/) go to one temporary folder for the session, so the shared
project's target/ is left alone and partial parsing is reused between their builds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def engines_dbt_artifacts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engines_dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        yield folder
