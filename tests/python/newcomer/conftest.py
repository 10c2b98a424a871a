"""A fresh copy of the project after the README's Quick start (`make demo` on tiny data), shared by the
newcomer and analyst tests: what someone who just cloned the repository meets."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from newcomer.newcomer_helpers import ROOT, printed_next_steps, quick_start_commands, shell


@pytest.fixture(scope="session")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked files of the checkout in a new folder, with this checkout's environment as its `.venv`
    (installing a second one would take minutes). Nothing built or generated is copied."""
    copy = tmp_path_factory.mktemp("fresh") / "project"
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


@pytest.fixture(scope="session")
def quick_start(fresh_copy: Path) -> dict[str, subprocess.CompletedProcess]:
    """Every Quick start command, run in order in the fresh copy, then every next step the demo printed."""
    results = {}
    commands = quick_start_commands((ROOT / "README.md").read_text())
    for command in commands:
        results[command] = shell(command, fresh_copy)
        if results[command].returncode != 0:
            break
    demo = results[commands[0]]
    if demo.returncode == 0:
        for step in printed_next_steps(demo.stdout):
            results[f"next: {step}"] = shell(step, fresh_copy)
    return results


@pytest.fixture(scope="session")
def demo_warehouse(fresh_copy: Path, quick_start) -> Path:
    """The warehouse file the Quick start built (the tests fail here when the demo did not finish)."""
    demo = next(iter(quick_start.values()))
    assert demo.returncode == 0, f"make demo failed:\n{demo.stdout[-3000:]}\n{demo.stderr[-3000:]}"
    return fresh_copy / "warehouse.duckdb"


@pytest.fixture(scope="session")
def rebuild(fresh_copy: Path, demo_warehouse: Path) -> subprocess.CompletedProcess:
    """`warehouse build --force` run again in the demo project (nothing new: without --force it would say
    "up to date" and stop), its output not on a terminal."""
    return shell(".venv/bin/warehouse build --force", fresh_copy)
