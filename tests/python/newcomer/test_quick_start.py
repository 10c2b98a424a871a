"""The README's Quick start, run as written in a fresh copy of the project (the closest CI equivalent of a
fresh clone): every command succeeds, and so does every next step the demo prints."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from warehouse.settings import project_root

ROOT = project_root()


def quick_start_commands(readme: str) -> list[str]:
    """The command lines of the first shell block under `## Quick start` (comments left to the shell)."""
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the Quick start has no ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def printed_next_steps(demo_output: str) -> list[str]:
    """The commands the demo prints under `next, try:`."""
    tail = demo_output.split("next, try:", 1)[1]
    return [line.strip() for line in tail.splitlines() if line.startswith("  ") and line.strip()]


@pytest.fixture
def fresh_copy(tmp_path: Path) -> Path:
    """The tracked files of the checkout in a new folder, with this checkout's environment as its `.venv`
    (installing a second one would take minutes). Nothing built or generated is copied."""
    copy = tmp_path / "project"
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (copy / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name.decode())
    (copy / ".venv").symlink_to(ROOT / ".venv")
    installed = (ROOT / ".venv" / ".installed").stat().st_mtime
    os.utime(copy / "pyproject.toml", (installed - 1, installed - 1))  # `make` sees the setup as done
    return copy


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAREHOUSE_") and k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # nothing of the environment is on PATH, as in a new shell
    env["DEMO_SCALE"] = "tiny"  # `make demo` on the smallest data
    env["COLUMNS"] = "200"
    return subprocess.run(
        ["bash", "-c", command], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.mark.slow
def test_quick_start_commands_work_as_written(fresh_copy: Path) -> None:
    commands = quick_start_commands((ROOT / "README.md").read_text())
    assert commands[0].startswith("make demo"), commands
    assert len(commands) >= 4, commands

    outputs = {}
    for command in commands:
        result = _shell(command, fresh_copy)
        assert result.returncode == 0, f"{command!r} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        outputs[command] = result.stdout
    assert (fresh_copy / "warehouse.duckdb").exists(), "the demo builds the warehouse in the project folder"

    steps = printed_next_steps(outputs[commands[0]])
    assert len(steps) == 3, steps
    for step in steps:
        result = _shell(step, fresh_copy)
        assert result.returncode == 0, f"printed next step {step!r} failed:\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr
    search = _shell(steps[1], fresh_copy).stdout
    assert "search: defi lending" in search and "project" in search, search
    leaderboard = _shell(steps[2], fresh_copy).stdout
    assert "leaderboard_id" in leaderboard, leaderboard


def test_quick_start_names_only_what_a_new_shell_has() -> None:
    """Without the environment activated, `warehouse` and `duckdb` are not commands: the README says
    `.venv/bin/…` for everything it installs."""
    for command in quick_start_commands((ROOT / "README.md").read_text()):
        program = command.split()[0]
        assert program in ("make",) or program.startswith(".venv/bin/"), command
