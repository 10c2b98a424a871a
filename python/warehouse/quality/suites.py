"""The expectation suites kept as code in `gx/suites/<layer>.yml`, and the relation names they resolve to.

A suite file holds one layer; under `domains:` each domain lists its assets. A suite is one layer of one
domain (`marts.community`). An asset is what one GX batch reads — a relation (`select * from` it) or a query
— and its expectations, each a GX expectation type with its arguments plus a `severity` (`error` stops
publication and fails `warehouse quality`; `warn` is reported). Relations are named the dbt way, resolved
through the dbt manifest, so a schema override still works:

    {{ ref('nft_stats') }}, {{ source('community', 'votes') }}, {{ quarantined('community', 'votes') }}

`quarantined(...)` is the count of that source's rows in ops.quarantined_rows (0 while the warehouse has no
quarantine). An asset that reads a relation the warehouse does not have yet is skipped with its stated
`skip_reason` — only when it declares one; otherwise a missing relation is an error-level failure.
`requires_columns` skips an asset (same reason) when its relation lacks those columns.
`full_audit_only: true` marks an asset that reads every staged event (a balance against staging): the
audit of a scheduled build skips it, saying so, and the full audit runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.settings import project_root, read_yaml

LAYERS = ("raw", "staging", "intermediate", "marts")
SEVERITIES = {"error": "critical", "warn": "warning"}


def suites_dir() -> Path:
    return project_root() / "gx" / "suites"


@dataclass
class ExpectationSpec:
    type: str
    kwargs: dict
    severity: str


@dataclass
class AssetSpec:
    name: str
    relation: str | None
    query: str | None
    expectations: list[ExpectationSpec]
    skip_reason: str | None = None
    requires_columns: list[str] = field(default_factory=list)
    full_audit_only: bool = False


@dataclass
class SuiteSpec:
    name: str
    layer: str
    domain: str
    assets: list[AssetSpec]


class SuiteError(ValueError):
    """A suite file that does not say what it must (named in the message)."""


def load_suites(layers: list[str] | None = None, folder: Path | None = None) -> list[SuiteSpec]:
    folder = folder or suites_dir()
    wanted = list(layers or LAYERS)
    unknown = [layer for layer in wanted if layer not in LAYERS]
    if unknown:
        raise SuiteError(f"unknown layer {', '.join(unknown)}; choose from {', '.join(LAYERS)}")
    suites = []
    for layer in wanted:
        path = folder / f"{layer}.yml"
        document = read_yaml(path)
        for domain, assets in (document.get("domains") or {}).items():
            suites.append(SuiteSpec(f"{layer}.{domain}", layer, domain, [_asset(path, a) for a in assets or []]))
    return suites


def _asset(path: Path, raw: dict) -> AssetSpec:
    name = raw.get("asset")
    if not name or bool(raw.get("relation")) == bool(raw.get("query")):
        raise SuiteError(f"{path.name}: every asset needs `asset:` and exactly one of `relation:` or `query:` ({raw})")
    full_audit_only = raw.get("full_audit_only", False)
    if not isinstance(full_audit_only, bool):
        raise SuiteError(f"{path.name}: asset {name}: `full_audit_only` is true or false, not {full_audit_only!r}")
    expectations = []
    for declared in raw.get("expect") or []:
        kwargs = dict(declared)
        kind = kwargs.pop("type", None)
        severity = kwargs.pop("severity", "error")
        if not kind or severity not in SEVERITIES:
            raise SuiteError(f"{path.name}: asset {name}: each expectation needs `type:` and severity error|warn")
        expectations.append(ExpectationSpec(kind, kwargs, severity))
    return AssetSpec(
        name,
        raw.get("relation"),
        raw.get("query"),
        expectations,
        raw.get("skip_reason"),
        raw.get("requires_columns", []),
        full_audit_only,
    )


class MissingRelation(LookupError):
    pass


@dataclass
class Relations:
    """dbt names → `schema.identifier`, from the manifest, plus which relations exist in the warehouse."""

    models: dict[str, str]
    sources: dict[tuple[str, str], str]
    existing: dict[str, set[str]]  # relation -> its columns

    def ref(self, name: str) -> str:
        relation = self.models.get(name)
        if relation is None or relation not in self.existing:
            raise MissingRelation(relation or name)
        return relation

    def source(self, source: str, table: str) -> str:
        relation = self.sources.get((source, table))
        if relation is None or relation not in self.existing:
            raise MissingRelation(relation or f"{source}.{table}")
        return relation

    def quarantined(self, source: str, table: str) -> str:
        relation = self.models.get("quarantined_rows")
        if relation is None or relation not in self.existing:
            return "0"
        return f"(select count(*) from {relation} where source = '{table}')"

    def read_by(self, asset: AssetSpec) -> list[str]:
        """The relations the asset reads as the manifest names them, built or not (the first is the asset's);
        MissingRelation for a name the manifest does not have."""
        every = [*self.models.values(), *self.sources.values()]
        named = Relations(self.models, self.sources, {relation: set() for relation in every})
        return named.render(asset.query or asset.relation)[1]

    def render(self, text: str) -> tuple[str, list[str]]:
        """The SQL with every {{ ... }} resolved, and the relations it reads (the first is the asset's)."""
        used: list[str] = []

        def call(match: re.Match) -> str:
            function, args = match.group(1), [a.strip().strip("'\"") for a in match.group(2).split(",")]
            value = getattr(self, function)(*args)
            if function != "quarantined":
                used.append(value)
            return value

        rendered = re.sub(r"\{\{\s*(ref|source|quarantined)\(([^)]*)\)\s*\}\}", call, text)
        return rendered, used


def manifest_relations(manifest: dict) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    models = {
        node["name"]: f"{node['schema']}.{node.get('alias') or node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
    }
    sources = {
        (node["source_name"], node["name"]): f"{node['schema']}.{node.get('identifier') or node['name']}"
        for node in manifest["sources"].values()
    }
    return models, sources
