"""The README's Quick start, run as written in a fresh copy of the project (the closest CI equivalent of a
fresh clone): every command succeeds, and so does every next step the demo prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from newcomer.newcomer_helpers import ROOT, quick_start_commands


@pytest.mark.slow
def test_quick_start_commands_work_as_written(fresh_copy: Path, quick_start) -> None:
    commands = quick_start_commands((ROOT / "README.md").read_text())
    assert commands[0].startswith("make demo"), commands
    assert len(commands) >= 4, commands
    for command in commands:
        assert command in quick_start, f"{command!r} did not run: an earlier command failed"
        result = quick_start[command]
        assert result.returncode == 0, f"{command!r} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        assert "Traceback" not in result.stderr
    assert (fresh_copy / "warehouse.duckdb").exists(), "the demo builds the warehouse in the project folder"


@pytest.mark.slow
def test_demo_ends_with_three_next_steps_that_work_as_printed(quick_start) -> None:
    steps = {key[len("next: ") :]: result for key, result in quick_start.items() if key.startswith("next: ")}
    assert len(steps) == 3, list(quick_start)
    for step, result in steps.items():
        assert result.returncode == 0, f"printed next step {step!r} failed:\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr
    status, search, leaderboard = (result.stdout for result in steps.values())
    assert "latest loads" in status, status
    assert "search: defi lending" in search and "project" in search, search
    assert "leaderboard_id" in leaderboard, leaderboard


def test_quick_start_names_only_what_a_new_shell_has() -> None:
    """Without the environment activated, `warehouse` and `duckdb` are not commands: the README says
    `.venv/bin/…` for everything it installs."""
    for command in quick_start_commands((ROOT / "README.md").read_text()):
        program = command.split()[0]
        assert program in ("make",) or program.startswith(".venv/bin/"), command
