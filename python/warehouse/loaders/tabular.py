"""Reading and validating tabular landing files (CSV, Parquet, JSON Lines) in an in-memory DuckDB.

Every value is read as text, then typed and checked in one set-based query: the first failing check
of a row becomes its reject reason, and rows without one are the valid rows. Nothing is coerced: a
value that does not parse is a reject, never a default.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.loaders.batch import UnusableFile, rejects_table
from warehouse.loaders.contracts import Column, Contract

#: Checks across columns, per table: (SQL condition marking a bad row, reason expression), written
#: over the typed values `t_<column>`.
ROW_RULES: dict[str, list[tuple[str, str]]] = {
    "votes": [
        ("t_nft_a = t_nft_b", "'nft_a equals nft_b (' || t_nft_a || ')'"),
        ("t_winner <> t_nft_a and t_winner <> t_nft_b", "'winner ' || t_winner || ' is not in the pair'"),
    ],
}

NUMERIC_TYPES = {"double precision": "double", "bigint": "bigint", "integer": "integer"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def work_connection() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB that reads and validates the files, within WAREHOUSE_DUCKDB_MEMORY_LIMIT (as the
    build); past it, it spills to WAREHOUSE_DUCKDB_TEMP_DIRECTORY (default: the system's temp folder)."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    con.execute("set memory_limit = ?", [os.environ.get("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "2GB")])
    spill = os.environ.get("WAREHOUSE_DUCKDB_TEMP_DIRECTORY") or os.path.join(tempfile.gettempdir(), "warehouse-load")
    con.execute("set temp_directory = ?", [spill])
    return con


def read_text_table(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, fmt: str) -> int:
    """Loads the file into table `landing` (all text, plus `_pos` and, for JSONL, `_raw`); returns rows read.

    JSON Lines rejects (malformed documents) are left in table `landing_rejects`.
    """
    con.execute("drop view if exists landing; drop table if exists landing_file; drop table if exists landing_rejects")
    con.execute("create table landing_rejects (position varchar, reason varchar, raw_text varchar)")
    try:
        if fmt == "csv":
            con.execute(
                "create table landing_file as select * from read_csv(?, header = true, all_varchar = true,"
                " delim = ',', quote = '\"', escape = '\"', auto_detect = true)",
                [str(path)],
            )
        elif fmt == "parquet":
            con.execute("create table landing_file as select * from read_parquet(?)", [str(path)])
        else:
            _read_jsonl(con, path, contract)
    except duckdb.Error as error:
        raise UnusableFile(path, f"unreadable as {fmt}: {str(error).splitlines()[0]}") from None
    columns = [row[0] for row in con.execute("describe landing_file").fetchall()]
    _check_columns(path, contract, [c for c in columns if not c.startswith("_")])
    text_cols = ", ".join(f"cast({_q(c.name)} as varchar) as {_q(c.name)}" for c in contract.columns)
    extra = ", _raw" if "_raw" in columns else ""
    order = "_pos" if "_pos" in columns else "rowid + 1"
    con.execute(f"create view landing as select {order} as _pos, {text_cols}{extra} from landing_file")
    rejected = con.execute("select count(*) from landing_rejects").fetchone()[0]
    return con.execute("select count(*) from landing").fetchone()[0] + rejected


def _check_columns(path: Path, contract: Contract, found: list[str]) -> None:
    expected = list(contract.column_names)
    missing = [c for c in expected if c not in found]
    unexpected = [c for c in found if c not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unexpected:
            parts.append("unexpected " + ", ".join(unexpected))
        raise UnusableFile(
            path, f"wrong columns for {contract.table} ({'; '.join(parts)}); expected {', '.join(expected)}"
        )


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract) -> None:
    names = contract.column_names
    values: dict[str, list] = {name: [] for name in names}
    positions: list[int] = []
    raws: list[str] = []
    rejects: list[tuple[str, str, str]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UnusableFile(path, f"unreadable: {error}") from None
    checked_shape = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            rejects.append((f"line {number}", f"malformed JSON document: {error.msg}", line))
            continue
        if not isinstance(document, dict):
            rejects.append((f"line {number}", "JSON document is not an object", line))
            continue
        if not checked_shape:
            _check_columns(path, contract, list(document))
            checked_shape = True
        extra = sorted(set(document) - set(names))
        if extra:
            rejects.append((f"line {number}", "unexpected fields: " + ", ".join(extra), line))
            continue
        for name in names:
            value = document.get(name)
            if value is not None and not isinstance(value, str):
                value = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
            values[name].append(value)
        positions.append(number)
        raws.append(line)
    if not checked_shape and not rejects:
        raise UnusableFile(path, "no JSON documents in the file")
    table = pa.table(
        {
            "_pos": pa.array(positions, pa.int64()),
            **{n: pa.array(values[n], pa.string()) for n in names},
            "_raw": pa.array(raws, pa.string()),
        }
    )
    con.register("jsonl_rows", table)
    con.execute("create table landing_file as select * from jsonl_rows")
    con.unregister("jsonl_rows")
    if rejects:
        con.register("jsonl_rejects", rejects_table(rejects))
        con.execute("insert into landing_rejects select * from jsonl_rejects")
        con.unregister("jsonl_rejects")


def _typed(column: Column) -> str:
    """SQL for the typed value of a text column (null where it does not parse)."""
    col = _q(column.name)
    blank = f"nullif(trim({col}), '')"
    if column.data_type == "timestamp":
        return f"timezone('UTC', try_cast({blank} as timestamptz))"
    if column.data_type in NUMERIC_TYPES:
        cast = f"try_cast({blank} as {NUMERIC_TYPES[column.data_type]})"
        return f"case when isfinite({cast}) then {cast} end" if column.data_type == "double precision" else cast
    return col


def _checks(column: Column) -> list[tuple[str, str]]:
    """(condition marking a bad value, reason expression) in the order they are reported."""
    col, name = _q(column.name), column.name
    typed = f"t_{column.name}"
    checks: list[tuple[str, str]] = []
    if column.required:
        checks.append((f"{col} is null or trim({col}) = ''", _lit(f"missing {name}")))
    if column.data_type == "timestamp":
        checks.append(
            (
                f"{col} is not null and trim({col}) <> '' and {typed} is null",
                f"{_lit(f'unparseable timestamp in {name}: ')} || {col}",
            )
        )
    elif column.data_type in NUMERIC_TYPES:
        checks.append(
            (
                f"{col} is not null and trim({col}) <> '' and {typed} is null",
                f"{_lit(f'{name} is not a number: ')} || {col}",
            )
        )
    if column.values is not None:
        allowed = ", ".join(_lit(v) for v in column.values)
        expected = _lit(f"' (expected {' or '.join(column.values)})")
        checks.append(
            (
                f"{col} is not null and {col} not in ({allowed})",
                f"{_lit(f'unknown {name} ' + chr(39))} || {col} || {expected}",
            )
        )
    if column.min is not None:
        checks.append((f"{typed} < {column.min}", f"{_lit(f'{name} below {column.min:g}: ')} || {col}"))
    if column.max is not None:
        checks.append((f"{typed} > {column.max}", f"{_lit(f'{name} above {column.max:g}: ')} || {col}"))
    return checks


def validate(con: duckdb.DuckDBPyConnection, contract: Contract, source_file: str) -> tuple[pa.Table, pa.Table]:
    """Splits table `landing` into valid typed rows and rejects (position, reason, raw_text)."""
    typed_cols = ", ".join(f"{_typed(c)} as t_{c.name}" for c in contract.columns)
    checks = [check for column in contract.columns for check in _checks(column)]
    rules = ROW_RULES.get(contract.table, [])
    reason = "coalesce(" + ", ".join(f"case when {cond} then {msg} end" for cond, msg in checks + rules) + ")"
    key = ", ".join(f"t_{k}" for k in contract.key)
    key_text = " || ', ' || ".join(f"cast(t_{k} as varchar)" for k in contract.key)
    unit = "line" if "_raw" in [r[0] for r in con.execute("describe landing").fetchall()] else "record"
    con.execute(f"""
        create or replace table rejected as
        with typed as (select *, {typed_cols} from landing),
        reasoned as (select *, {reason} as row_reason from typed),
        repeated as (
            select {key}, min(_pos) as first_pos from reasoned where row_reason is null
            group by {key} having count(*) > 1
        )
        select _pos, reason from (
            select reasoned._pos,
                coalesce(row_reason, case when reasoned._pos > repeated.first_pos then
                    'duplicate {"/".join(contract.key)} ' || {key_text} || ' within the file (first at {unit} '
                    || cast(repeated.first_pos as varchar) || ')' end) as reason
            from reasoned left join repeated using ({key})
        ) where reason is not null
    """)
    hash_input = " || chr(31) || ".join(f"coalesce(cast(t_{c.name} as varchar), chr(0))" for c in contract.columns)
    out_cols = ", ".join(f"t_{c.name} as {_q(c.name)}" for c in contract.columns)
    valid = con.execute(f"""
        with typed as (select _pos, {typed_cols} from landing anti join rejected using (_pos))
        select {out_cols}, {_lit(source_file)} as source_file, _pos as source_position,
               md5({hash_input}) as row_hash, 1 as _weight
        from typed order by _pos
    """).to_arrow_table()
    raw_text = (
        "_raw"
        if unit == "line"
        else "to_json(struct_pack(" + ", ".join(f"{_q(c.name)} := {_q(c.name)}" for c in contract.columns) + "))"
    )
    rejects = con.execute(f"""
        select position, reason, raw_text from (
            select 0 as _pos, position, reason, raw_text from landing_rejects
            union all
            select _pos, '{unit} ' || _pos, reason, cast({raw_text} as varchar)
            from landing join rejected using (_pos)
        ) order by _pos
    """).to_arrow_table()
    con.execute("drop table rejected")
    return valid, rejects
