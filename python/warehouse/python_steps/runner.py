"""`warehouse build` on an engine whose dbt adapter has no Python models (PostgreSQL).

dbt resolves the selection (`dbt ls` over the parsed manifest, with the user's --select/--exclude); the
selected nodes are cut into phases at the Python models: dbt builds what comes before them, this module runs
the Python models' own files against a StepEngine (the same `model(dbt, session)` dbt-duckdb calls), then dbt
builds what comes after, and so on if Python models follow each other. Every dbt phase runs exactly its listed
nodes (`--indirect-selection empty`), so the union of the phases is dbt's selection, node for node. Relation
names, configs and lineage come from the manifest: the Python models' tables are the manifest's relations,
which dbt's docs and tests (run in the next phase) see as the models they are.

As in `dbt build`, a failed node (or a failed test of a model) skips everything downstream of it.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from warehouse.python_steps.engine import StepEngine

#: The node kinds `dbt build` runs.
BUILD_RESOURCE_TYPES = ("model", "seed", "snapshot", "test", "unit_test")
_BAD = ("error", "fail", "skipped", "runtime error")


@dataclass
class Phase:
    kind: str  # "dbt" or "python"
    nodes: list[str]  # unique_ids


def python_depths(parents: dict[str, list[str]], python: set[str]) -> dict[str, int]:
    """Per node, the most Python models (of `python`) on any path that ends at it (itself included)."""
    depths: dict[str, int] = {}

    def depth(node: str) -> int:
        if node not in depths:
            depths[node] = -1  # a cycle guard; dbt refuses cyclic graphs anyway
            above = max((depth(parent) for parent in parents.get(node, ())), default=0)
            depths[node] = above + (1 if node in python else 0)
        return depths[node]

    for node in list(parents):
        depth(node)
    return depths


def ancestors_of(nodes: set[str], parents: dict[str, list[str]]) -> set[str]:
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def plan(selected: Iterable[str], parents: dict[str, list[str]], python: set[str]) -> list[Phase]:
    """The phases for `selected` nodes: dbt (what the first Python models read), Python, dbt, Python, …, and
    a last dbt phase with the rest. Nodes unrelated to the Python models run in that last phase, after every
    model they might read without a ref (e.g. a node that inspects every mart), as in a single dbt build."""
    selected = set(selected)
    steps = selected & python
    depths = python_depths(parents, steps)
    upstream = ancestors_of(steps, parents)
    top = max((depths.get(node, 0) for node in selected), default=0)

    def level(node: str) -> int:
        depth = depths.get(node, 0)
        return top if depth == 0 and node not in upstream else depth

    phases = []
    for current in range(top + 1):
        if current:
            phases.append(Phase("python", sorted(n for n in steps if depths[n] == current)))
        phases.append(Phase("dbt", sorted(n for n in selected - steps if level(n) == current)))
    return [phase for phase in phases if phase.nodes]


def blocked_by(failed: set[str], parents: dict[str, list[str]]) -> Callable[[str], bool]:
    """Whether a node is downstream of a node in `failed` (a failed test counts as a failure of what it tests)."""
    memo: dict[str, bool] = {}

    def blocked(node: str) -> bool:
        if node not in memo:
            memo[node] = False
            memo[node] = any(parent in failed or blocked(parent) for parent in parents.get(node, ()))
        return memo[node]

    return blocked


class _Config:
    """`dbt.config` inside a Python model: the node's configuration as parsed by dbt (the model's own
    `dbt.config(...)` call is already part of it)."""

    def __init__(self, values: dict):
        self._values = values

    def __call__(self, *args, **kwargs) -> None:
        return None

    def get(self, key: str, default=None):
        return self._values.get(key, default)

    def meta_get(self, key: str, default=None):
        return (self._values.get("meta") or {}).get(key, default)


@dataclass(frozen=True)
class _This:
    database: str
    schema: str
    identifier: str
    relation_name: str

    def __str__(self) -> str:
        return self.relation_name


class ModelContext:
    """The `dbt` object a Python model receives, built from the manifest (dbt-postgres cannot render one)."""

    def __init__(self, node, manifest, is_incremental: bool):
        self._node = node
        self._manifest = manifest
        self.config = _Config(node.config.to_dict())
        self.this = _This(node.database, node.schema, node.alias, node.relation_name)
        self.is_incremental = is_incremental

    def _upstream(self):
        for unique_id in self._node.depends_on.nodes:
            yield self._manifest.nodes.get(unique_id) or self._manifest.sources.get(unique_id)

    def ref(self, name: str, *args, version=None, v=None, package: str | None = None) -> str:
        if args:  # ref("package", "name")
            package, name = name, args[0]
        for upstream in self._upstream():
            if upstream is not None and upstream.resource_type == "model" and upstream.name == name:
                if package is None or upstream.package_name == package:
                    return upstream.relation_name
        raise KeyError(f"{self._node.name} refers to {name!r}, which dbt did not resolve for it")

    def source(self, source_name: str, table_name: str) -> str:
        for upstream in self._upstream():
            if upstream is not None and upstream.resource_type == "source":
                if upstream.source_name == source_name and upstream.name == table_name:
                    return upstream.relation_name
        raise KeyError(f"{self._node.name} reads source {source_name}.{table_name}, which dbt did not resolve")


def _load_model(project_root: Path, node) -> Callable:
    path = project_root / node.original_file_path
    spec = importlib.util.spec_from_file_location(f"warehouse_python_model_{node.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model


def _as_arrow(result) -> pa.Table:
    if isinstance(result, pa.Table):
        return result
    if isinstance(result, pa.RecordBatchReader):  # a stream of ranges (the Elo step's)
        return result.read_all()
    if hasattr(result, "to_arrow"):  # polars, duckdb relations
        return result.to_arrow() if not hasattr(result, "to_arrow_table") else result.to_arrow_table()
    return pa.Table.from_pandas(result, preserve_index=False)


def run_python_model(node, manifest, engine: StepEngine, project_root: Path, full_refresh: bool) -> tuple[str, str]:
    """Runs one Python model's file and writes its result atomically, as dbt's materialization would:
    a table, or an incremental model (delete+insert on its unique_key, or append without one)."""
    config = node.config
    materialized = config.materialized
    if materialized not in ("table", "incremental"):
        raise ValueError(f"{node.name}: Python models are tables or incremental, not {materialized!r}")
    refresh = full_refresh if config.full_refresh is None else bool(config.full_refresh)
    incremental = materialized == "incremental" and not refresh and engine.exists(node.relation_name)
    result = _as_arrow(_load_model(project_root, node)(ModelContext(node, manifest, incremental), engine))
    grants = dict(config.grants or {})
    if config.incremental_strategy not in (None, "delete+insert", "merge", "append"):
        raise ValueError(f"{node.name}: incremental_strategy {config.incremental_strategy!r} is not supported")
    key = config.unique_key
    if config.incremental_strategy == "append" or not key:
        key = None
    if isinstance(key, list):
        if len(key) != 1:
            raise ValueError(f"{node.name}: a unique_key of several columns is not supported")
        key = key[0]
    if not incremental:
        engine.replace(node.relation_name, result, grants=grants, key=key if materialized == "incremental" else None)
        return "success", f"table of {result.num_rows} rows"
    engine.merge(node.relation_name, result, key, grants=grants)
    return "success", f"{result.num_rows} rows merged"


def selected_nodes(invoke, selection: list[str]) -> list[str]:
    """dbt's own resolution of --select/--exclude for `dbt build` (unique_ids), via `dbt ls`."""
    types = [arg for kind in BUILD_RESOURCE_TYPES for arg in ("--resource-type", kind)]
    result = invoke("ls", *selection, *types, "--output", "json", "--output-keys", "unique_id")
    if not result.success:
        raise RuntimeError(f"dbt could not resolve the selection: {result.exception}")
    return [json.loads(line)["unique_id"] for line in result.result or []]


def fqn_selectors(manifest, nodes: Iterable[str]) -> list[str]:
    """Selectors that pick exactly these nodes (with --indirect-selection empty)."""
    selectors = []
    for unique_id in nodes:
        node = manifest.nodes.get(unique_id) or manifest.unit_tests.get(unique_id)
        selectors.append("fqn:" + ".".join(node.fqn))
    return selectors


def parents_of(manifest) -> dict[str, list[str]]:
    parents = {uid: list(getattr(node.depends_on, "nodes", [])) for uid, node in manifest.nodes.items()}
    for uid, test in getattr(manifest, "unit_tests", {}).items():
        parents[uid] = list(test.depends_on.nodes)
    return parents


def python_models(manifest) -> set[str]:
    return {uid for uid, node in manifest.nodes.items() if getattr(node, "language", "sql") == "python"}
