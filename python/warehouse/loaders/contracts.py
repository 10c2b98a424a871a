"""The loaders' contract for every raw table, read from the dbt sources YAML (one source of truth).

Each raw table is declared once, in `models/staging/<source>/_<source>__sources.yml`: its landing
columns with `data_type` and per-column checks in `config.meta` (`required`, `values`, `min`, `max`),
and in the table's `config.meta.loader` its kind, key, event-time column and whether it is versioned.
The dbt macro `create_raw_tables` builds the same tables from the same YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from warehouse.settings import project_root, read_yaml

#: Landing metadata every landed (non-log) table carries, after its landing columns.
LANDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "varchar"),
    ("source_file", "varchar"),
    ("source_position", "bigint"),
    ("loaded_at", "timestamp"),
    ("row_hash", "varchar"),
)
EVENT_SEQ_COLUMN = ("event_seq", "bigint")


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    required: bool = False
    values: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Contract:
    """What one raw table accepts and how its rows are keyed."""

    table: str
    domain: str
    kind: str  # event | dimension | document | log
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    event_time: str | None = None
    versioned: bool = False
    formats: tuple[str, ...] = field(default=("csv", "parquet", "jsonl"))

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def has_event_seq(self) -> bool:
        return self.kind in ("event", "document")

    @property
    def dedupe_on(self) -> tuple[str, ...]:
        """Columns that make a row 'already landed': the key, plus the content hash when versioned."""
        if self.kind == "dimension" or self.versioned:
            return (*self.key, "row_hash")
        return self.key

    def table_columns(self) -> list[tuple[str, str]]:
        """Every column of the raw table, landing metadata included, in table order."""
        columns = [(c.name, c.data_type) for c in self.columns]
        if self.kind != "log":
            columns.extend(LANDING_COLUMNS)
            if self.has_event_seq:
                columns.append(EVENT_SEQ_COLUMN)
        return columns

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _meta(node: dict) -> dict:
    config = node.get("config") or {}
    return {**(node.get("meta") or {}), **(config.get("meta") or {})}


def _contracts_from(paths: list[Path]) -> dict[str, Contract]:
    contracts: dict[str, Contract] = {}
    for path in paths:
        document = read_yaml(path)
        for source in document.get("sources", []):
            if source.get("schema") != "raw":
                continue
            for table in source.get("tables", []):
                loader = _meta(table).get("loader", {})
                columns = []
                for col in table.get("columns", []):
                    meta = _meta(col)
                    columns.append(
                        Column(
                            name=col["name"],
                            data_type=col["data_type"],
                            required=bool(meta.get("required", False)),
                            values=tuple(meta["values"]) if "values" in meta else None,
                            min=meta.get("min"),
                            max=meta.get("max"),
                        )
                    )
                kind = loader.get("kind", "log")
                contracts[table["name"]] = Contract(
                    table=table["name"],
                    domain=source["name"],
                    kind=kind,
                    columns=tuple(columns),
                    key=tuple(loader.get("key", ())),
                    event_time=loader.get("event_time"),
                    versioned=bool(loader.get("versioned", False)),
                    formats=("json", "jsonl") if kind == "document" else ("csv", "parquet", "jsonl"),
                )
    return contracts


@lru_cache(maxsize=1)
def contracts() -> dict[str, Contract]:
    """Every raw table's contract, by table name."""
    paths = sorted((project_root() / "models" / "staging").glob("*/_*__sources.yml"))
    return _contracts_from(paths)


def landing_contracts() -> dict[str, Contract]:
    """The tables files land in (everything but the loaders' own logs)."""
    return {name: c for name, c in contracts().items() if c.kind != "log"}


#: File-name prefixes that differ from the table name.
FILE_PREFIXES = {"roster": "roster_snapshots"}


def source_for_file(path: Path) -> str | None:
    """The raw table a landing file belongs to (`<source>*.<ext>`), longest matching name first."""
    name = path.name.lower()
    candidates = {**{t: t for t in landing_contracts()}, **FILE_PREFIXES}
    for prefix in sorted(candidates, key=len, reverse=True):
        if name.startswith(prefix):
            return candidates[prefix]
    return None


def ddl(contract: Contract) -> str:
    columns = ", ".join(f"{name} {data_type}" for name, data_type in contract.table_columns())
    return f"create table if not exists raw.{contract.table} ({columns})"
