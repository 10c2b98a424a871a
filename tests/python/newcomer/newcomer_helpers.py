"""Reading the README's Quick start and running commands as a new shell would."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

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


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAREHOUSE_", "DBT_")) and k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # nothing of the environment is on PATH, as in a new shell
    env["DEMO_SCALE"] = "tiny"  # `make demo` on the smallest data
    env["COLUMNS"] = "200"
    return subprocess.run(
        ["bash", "-c", command], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
