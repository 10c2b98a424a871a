"""Reading and validating tabular landing files (CSV, Parquet, JSON Lines) in an in-memory DuckDB.

Every value is read as text, then typed and checked in one set-based query: the first failing check
of a row becomes its reject reason, and rows without one are the valid rows. Nothing is coerced: a
value that does not parse is a reject, never a default.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from warehouse.loaders.batch import StagedRows, UnusableFile, rejects_table, write_arrow
from warehouse.loaders.contracts import Column, Contract
from warehouse.loaders.decoding import decode as _decode
from warehouse.loaders.decoding import encodable as _encodable
from warehouse.loaders.decoding import undecodable as _undecodable
from warehouse.loaders.window import LandingWindow, landing_window

#: Checks across columns, per table: (SQL condition marking a bad row, reason expression), written
#: over the typed values `t_<column>`.
ROW_RULES: dict[str, list[tuple[str, str]]] = {  # reason code: rule_violation
    "votes": [
        ("t_nft_a = t_nft_b", "'nft_a equals nft_b (' || t_nft_a || ')'"),
        ("t_winner <> t_nft_a and t_winner <> t_nft_b", "'winner ' || t_winner || ' is not in the pair'"),
    ],
}

NUMERIC_TYPES = {"double precision": "double", "bigint": "bigint", "integer": "integer"}
TEXT_TYPES = ("varchar", "text")

#: A quoted CSV field may span lines; one still open after this many lines is an unterminated quote.
MAX_RECORD_LINES = 1000
UNTERMINATED = "unterminated quote"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def work_connection(warehouse: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """The load's work database: an in-memory DuckDB that reads and validates the files and holds their valid rows
    until they land. It keeps within WAREHOUSE_DUCKDB_MEMORY_LIMIT (as the build) and, past it, spills to
    WAREHOUSE_DUCKDB_TEMP_DIRECTORY or, by default, `spill_directory` (a DuckDB warehouse's: its path + `.tmp`).

    Given a DuckDB warehouse's connection, it is a connection of that warehouse's own database instance, working in
    an in-memory database attached to it (`load_work`): one memory limit then bounds the work and the write."""
    if warehouse is None:
        con = duckdb.connect(":memory:")
    else:
        con = warehouse.cursor()
        con.execute(f"attach if not exists ':memory:' as {WORK_DATABASE}")
        con.execute(f"use {WORK_DATABASE}")
    use_load_session(con)
    con.execute("set memory_limit = ?", [os.environ.get("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "1800MB")])
    if warehouse is None or os.environ.get(TEMP_DIRECTORY_ENV):  # a warehouse's own: its path + `.tmp`, as builds
        con.execute("set temp_directory = ?", [spill_directory()])
    return con


def work_cursor(work: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Another connection to the load's work database, for another thread (a connection runs one query at a
    time); the caller closes it."""
    catalog = work.execute("select current_database()").fetchone()[0]
    cursor = work.cursor()
    cursor.execute(f"use {_q(catalog)}")
    use_load_session(cursor)
    return cursor


def use_load_session(con: duckdb.DuckDBPyConnection) -> None:
    """What every DuckDB connection of a load works with: UTC times, and no progress bar on the terminal."""
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")


#: The name of the load's work database inside a DuckDB warehouse's instance (`work_connection`).
WORK_DATABASE = "load_work"


def spill_directory() -> str:
    """Where a load spills: WAREHOUSE_DUCKDB_TEMP_DIRECTORY, else a folder of this process's own in the system's
    temp folder (`warehouse-load-<process id>`), so that two loads never share their spill files; `_load_held`
    removes it when the load ends."""
    folder = os.environ.get(TEMP_DIRECTORY_ENV) or os.path.join(tempfile.gettempdir(), f"warehouse-load-{os.getpid()}")
    os.makedirs(folder, exist_ok=True)
    return folder


def remove_spill_directory() -> None:
    """Removes this process's own spill folder (never one WAREHOUSE_DUCKDB_TEMP_DIRECTORY names)."""
    if not os.environ.get(TEMP_DIRECTORY_ENV):
        shutil.rmtree(os.path.join(tempfile.gettempdir(), f"warehouse-load-{os.getpid()}"), ignore_errors=True)


TEMP_DIRECTORY_ENV = "WAREHOUSE_DUCKDB_TEMP_DIRECTORY"


def read_text_table(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, fmt: str) -> int:
    """Loads the file into view `landing` (all text, plus `_pos` and, for JSONL, `_raw`); returns rows read.

    Rows rejected while reading (malformed CSV rows or JSON lines, invalid UTF-8) are left in table
    `landing_rejects`. A file with no rows (empty, blank, or a CSV header alone) lands nothing, in
    every format.
    """
    con.execute("drop view if exists landing")
    con.unregister("landing_file")
    con.execute("drop table if exists landing_file; drop table if exists landing_rejects")
    con.execute(
        "create table landing_rejects (position varchar, reason_code varchar, reason varchar, raw_text varchar)"
    )
    if fmt == "csv":
        if not _stage_csv(con, path, contract):
            table, rejects = _read_csv(path, contract)
            con.register("landing_file", table)  # read where it is: validation scans it once
            write_arrow(con, "landing_rejects", rejects_table(rejects), insert=True)
    elif fmt == "parquet":
        try:
            con.execute("create table landing_file as select * from read_parquet(?)", [str(path)])
        except duckdb.Error as error:
            raise UnusableFile(path, f"unreadable as {fmt}: {str(error).splitlines()[0]}") from None
    else:
        _read_jsonl(con, path, contract)
    columns = [row[0] for row in con.execute("describe landing_file").fetchall()]
    _check_columns(path, contract, [c for c in columns if not c.startswith("_")])
    text_cols = ", ".join(f"cast({_q(c.name)} as varchar) as {_q(c.name)}" for c in contract.columns)
    extra = ", _raw" if "_raw" in columns else ""
    order = "_pos" if "_pos" in columns else "rowid + 1"
    con.execute(f"create view landing as select {order} as _pos, {text_cols}{extra} from landing_file")
    rejected = con.execute("select count(*) from landing_rejects").fetchone()[0]
    return con.execute("select count(*) from landing").fetchone()[0] + rejected


def _split_fields(record: str) -> list[str]:
    if '"' not in record:
        return record.split(",")
    return next(csv.reader([record], delimiter=",", quotechar='"', doublequote=True, strict=True))


def _read_uniform(
    data: bytes, fields: int, order: list[int], names: tuple[str, ...], rows: int, first_line: int
) -> pa.Table | None:
    """Rows of a CSV file (lines `first_line`... of it, `data` holding whole lines after the header), split by
    Arrow's CSV reader in one multi-threaded pass, when they are the commonest kind: no carriage return
    anywhere, every byte valid UTF-8, every line one record of exactly the header's number of fields, and any
    quote in it part of a strictly quoted field (`_strictly_quoted`), which the reader then splits as Python's
    csv module does. None otherwise, and the line-by-line readers below find the bad rows.

    Empty lines are not skipped but make the reader fail, so a row's `_pos` is its line number.
    """
    if fields < 2 or b"\r" in data:
        return None
    quoted = b'"' in data
    if quoted and not _strictly_quoted(data, fields):
        return None
    columns = [f"c{index}" for index in range(fields)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=columns),
            parse_options=pacsv.ParseOptions(
                quote_char='"' if quoted else False,
                double_quote=True,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=False,
                check_utf8=not quoted,  # a quoted chunk's bytes were checked by `_strictly_quoted`
            ),
        )
    except pa.ArrowInvalid:
        return None  # a line of another width, an empty line or bytes that are not UTF-8
    if table.num_rows != rows:
        return None
    positions = pa.array(np.arange(first_line, first_line + table.num_rows, dtype=np.int64))
    return pa.table({"_pos": positions, **{n: table.column(f"c{i}") for n, i in zip(names, order, strict=True)}})


def _strictly_quoted(data: bytes, fields: int) -> bool:
    """Whether every line of `data` (whole lines, no carriage return) is valid UTF-8 and one record of `fields`
    fields, each either without a quote or quoted whole, its inner quotes doubled: the lines Arrow's CSV reader
    and Python's strict csv reader split alike. Checked by RE2, in Arrow, over all the lines at once."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    try:
        text = pa.array(lines, pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        return False  # bytes that are not UTF-8
    return bool(pc.all(pc.match_substring_regex(text, _record_pattern(fields))).as_py())


def _record_pattern(fields: int) -> str:
    field = '(?:[^",\\n]*|"(?:[^"\\n]|"")*")'
    return f"^{field}(?:,{field}){{{fields - 1}}}$"


#: A CSV file is read this many bytes at a time (cut where a record ends), so that reading a file never holds
#: more of it than this in Python; the rows go to the work database chunk by chunk.
CSV_CHUNK_BYTES = 32 << 20


def _record_end(data: bytes) -> int:
    """Where `data` (starting at a record's start) can be cut after its last complete record: after the last line
    feed with an even number of quotes before it (a quoted field may span lines). 0 when there is none."""
    cut = data.rfind(b"\n") + 1
    odd = data.count(b'"', 0, cut) % 2
    while cut and odd:
        previous = data.rfind(b"\n", 0, cut - 1) + 1
        odd ^= data.count(b'"', previous, cut) % 2
        cut = previous
    return cut


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract) -> bool:
    """Reads a CSV file whose header is line 1 into table `landing_file` (and its bad rows into `landing_rejects`),
    CSV_CHUNK_BYTES at a time: each chunk through `_read_uniform` when it can, else line by line (`_read_lines`).

    False, with nothing staged, for a file `_read_csv` reads whole instead: a header that is not a plain first
    line, or a quote left open in a chunk before the last (the line-by-line reader then reads again from the
    line after it, which a cut at a record end cannot foresee)."""
    try:
        handle = path.open("rb")
    except OSError:
        return False  # `_read_csv` reports it
    with handle:
        header = handle.readline()
        if header.startswith(b"\xef\xbb\xbf"):
            header = header[3:]
        try:
            line = header.decode("utf-8").rstrip("\n")
        except UnicodeDecodeError:
            return False
        if not line.strip() or '"' in line or "\r" in line:
            return False
        found, order = _header(path, contract, line)
        names = contract.column_names
        offset, rest, staged = 1, b"", False
        at_end = False
        while not at_end:
            block = handle.read(CSV_CHUNK_BYTES)
            at_end = len(block) < CSV_CHUNK_BYTES  # a short read: the end of the file
            data = rest + block
            if not data:
                break
            cut = len(data) if at_end else _record_end(data)
            if cut == 0:
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
            rows = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            table = _read_uniform(data, len(found), order, names, rows, offset + 1)
            if table is None:
                lines = data.decode("utf-8", "surrogateescape").split("\n")
                if lines[-1] == "":
                    lines.pop()
                table, rejects = _read_lines(lines, 0, order, names, offset, ends_file=at_end)
                if not at_end and any(reason == UNTERMINATED for _, _, reason, _ in rejects):
                    con.execute("drop table if exists landing_file; delete from landing_rejects")
                    return False
                write_arrow(con, "landing_rejects", rejects_table(rejects), insert=True)
            write_arrow(con, "landing_file", table, insert=staged)
            staged, offset = True, offset + rows
    return staged


def _split_fast(
    lines: list[str], first: int, width: int, order: list[int], names: tuple[str, ...], offset: int, ends_file: bool
):
    """The common case in Arrow: every byte decodes and no quoted field spans lines. None otherwise.

    Lines without a quote are split on commas; the few with quotes go through Python's csv module.
    """
    body = lines[first:]
    if not body:
        return None
    try:
        text = pa.array(body, pa.string())
    except (UnicodeEncodeError, pa.ArrowInvalid):
        return None  # undecodable bytes: the line-by-line reader reports them
    quotes = pc.count_substring(text, '"')
    if pc.any(pc.equal(pc.bit_wise_and(quotes, 1), 1)).as_py():
        return None
    text = pc.replace_substring_regex(text, "\r$", "")
    positions = pa.array(range(offset + first + 1, offset + first + 1 + len(body)), pa.int64())
    keep = pc.invert(pc.equal(pc.utf8_trim_whitespace(text), ""))
    plain = pc.and_(keep, pc.equal(quotes, 0))
    fields = pc.split_pattern(text.filter(plain), ",")
    plain_positions = positions.filter(plain)
    widths = pc.list_value_length(fields)
    fits = pc.equal(widths, width)
    rejects: list[tuple[str, str, str, str]] = []
    if not pc.all(fits).as_py():
        misfits = pc.invert(fits)
        for position, record, count in zip(
            plain_positions.filter(misfits).to_pylist(),
            text.filter(plain).filter(misfits).to_pylist(),
            widths.filter(misfits).to_pylist(),
            strict=True,
        ):
            last = ends_file and position == offset + len(lines)
            truncated = " (a truncated last line?)" if last and count < width else ""
            rejects.append(
                (f"line {position}", "malformed_row", f"{count} fields, expected {width}{truncated}", record)
            )
        fields, plain_positions = fields.filter(fits), plain_positions.filter(fits)
    columns = {"_pos": plain_positions}
    for name, index in zip(names, order, strict=True):
        columns[name] = pc.list_element(fields, index)
    table = pa.table(columns)
    quoted = pc.and_(keep, pc.greater(quotes, 0))
    if pc.any(quoted).as_py():
        extra: dict[str, list] = {"_pos": [], **{n: [] for n in names}}
        for position, record in zip(positions.filter(quoted).to_pylist(), text.filter(quoted).to_pylist(), strict=True):
            try:
                parsed = _split_fields(record)
            except csv.Error as error:
                rejects.append((f"line {position}", "malformed_row", f"unparseable CSV row: {error}", record))
                continue
            if len(parsed) != width:
                rejects.append((f"line {position}", "malformed_row", f"{len(parsed)} fields, expected {width}", record))
                continue
            extra["_pos"].append(position)
            for name, index in zip(names, order, strict=True):
                extra[name].append(parsed[index])
        more = pa.table(
            {"_pos": pa.array(extra["_pos"], pa.int64()), **{n: pa.array(extra[n], pa.string()) for n in names}}
        )
        table = pa.concat_tables([table, more]).sort_by("_pos")
    rejects.sort(key=lambda r: int(r[0].split()[1]))
    return table, rejects


def _header(path: Path, contract: Contract, line: str) -> tuple[list[str], list[int]]:
    """The header's column names and, for each of the contract's columns, its place in a row."""
    header = line.rstrip("\r")
    if _undecodable(header):
        raise UnusableFile(path, f"the header is {_undecodable(header)}")
    try:
        found = [h.strip() for h in _split_fields(header)]
    except csv.Error as error:
        raise UnusableFile(path, f"unreadable header: {error}") from None
    _check_columns(path, contract, found)
    return found, [found.index(name) for name in contract.column_names]


def _read_csv(path: Path, contract: Contract) -> tuple[pa.Table, list[tuple[str, str, str, str]]]:
    """A CSV file's rows as text columns with `_pos` (the line a row starts on; the header is line 1).

    Rows are split here rather than by DuckDB's reader so that one bad row is one reject, with its line
    number and raw text: a wrong number of fields, a stray or unterminated quote (the row alone; the
    lines after it are read again), a truncated last line, bytes that are not UTF-8.
    """
    names = contract.column_names
    text = _decode(path)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    order = []
    if header_at is not None:
        _, order = _header(path, contract, lines[header_at])
    first = (header_at if header_at is not None else len(lines)) + 1
    return _read_lines(lines, first, order, names, offset=0, ends_file=True)


def _read_lines(
    lines: list[str], first: int, order: list[int], names: tuple[str, ...], offset: int, ends_file: bool
) -> tuple[pa.Table, list[tuple[str, str, str, str]]]:
    """The rows of `lines[first:]` (line `offset + index + 1` of the file each) and the rejects among them;
    `ends_file` when the last of them is the file's last line."""
    width = len(names)
    fast = _split_fast(lines, first, width, order, names, offset, ends_file)
    if fast is not None:
        return fast
    values: dict[str, list[str]] = {name: [] for name in names}
    positions: list[int] = []
    rejects: list[tuple[str, str, str, str]] = []
    i = first
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        start, end = i, i
        record = line
        if record.count('"') % 2:
            while record.count('"') % 2 and end + 1 < len(lines) and end - start < MAX_RECORD_LINES:
                end += 1
                record += "\n" + lines[end]
            if record.count('"') % 2:
                rejects.append((f"line {offset + start + 1}", "malformed_row", UNTERMINATED, line))
                i = start + 1
                continue
        i = end + 1
        record = record.rstrip("\r")
        position = f"line {offset + start + 1}"
        problem = _undecodable(record)
        if problem:
            rejects.append((position, "invalid_utf8", problem, record))
            continue
        try:
            fields = _split_fields(record)
        except csv.Error as error:
            rejects.append((position, "malformed_row", f"unparseable CSV row: {error}", record))
            continue
        if len(fields) != width:
            truncated = " (a truncated last line?)" if ends_file and i >= len(lines) and len(fields) < width else ""
            rejects.append((position, "malformed_row", f"{len(fields)} fields, expected {width}{truncated}", record))
            continue
        for name, index in zip(names, order, strict=True):
            values[name].append(fields[index])
        positions.append(offset + start + 1)
    table = pa.table({"_pos": pa.array(positions, pa.int64()), **{n: pa.array(values[n], pa.string()) for n in names}})
    return table, rejects


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
    rejects: list[tuple[str, str, str, str]] = []
    checked_shape = False
    for number, line in enumerate(_decode(path).splitlines(), start=1):
        if not line.strip():
            continue
        position = f"line {number}"
        problem = _undecodable(line)
        if problem:
            rejects.append((position, "invalid_utf8", problem, line))
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            rejects.append((position, "malformed_row", f"malformed JSON document: {error.msg}", line))
            continue
        if not isinstance(document, dict):
            rejects.append((position, "malformed_row", "JSON document is not an object", line))
            continue
        if not checked_shape:
            _check_columns(path, contract, list(document))
            checked_shape = True
        extra = sorted(set(document) - set(names))
        if extra:
            rejects.append((position, "malformed_row", "unexpected fields: " + ", ".join(extra), line))
            continue
        row = {}
        for name in names:
            value = document.get(name)
            if value is not None and not isinstance(value, str):
                value = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
            row[name] = value
        if not all(_encodable(v) for v in row.values()):
            rejects.append((position, "invalid_utf8", "a lone surrogate escape (\\ud800-\\udfff) in a value", line))
            continue
        for name in names:
            values[name].append(row[name])
        positions.append(number)
        raws.append(line)
    table = pa.table(
        {
            "_pos": pa.array(positions, pa.int64()),
            **{n: pa.array(values[n], pa.string()) for n in names},
            "_raw": pa.array(raws, pa.string()),
        }
    )
    write_arrow(con, "landing_file", table)
    write_arrow(con, "landing_rejects", rejects_table(rejects), insert=True)


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


def _ts_lit(value) -> str:
    return f"timestamp '{value:%Y-%m-%d %H:%M:%S.%f}'"


def _blank(col: str) -> str:
    """SQL: the value trims to ''. A value starting with a printable ASCII character never does, which
    spares the trim (a new string per row) for nearly every row."""
    return f"(ascii({col}) not between 33 and 126 and trim({col}) = '')"


def _checks(column: Column, window: LandingWindow) -> list[tuple[str, str, str]]:
    """(condition marking a bad value, reason code, reason expression) in the order they are reported."""
    col, name = _q(column.name), column.name
    typed = f"t_{column.name}"
    checks: list[tuple[str, str, str]] = []
    if column.required:
        checks.append((f"{col} is null or {_blank(col)}", "missing_value", _lit(f"missing {name}")))
    if column.data_type == "timestamp":
        checks.append(
            (
                f"{col} is not null and trim({col}) <> '' and {typed} is null",
                "unparseable_value",
                f"{_lit(f'unparseable timestamp in {name}: ')} || {col}",
            )
        )
        checks.append(
            (
                f"not isfinite({typed}) or {typed} < {_ts_lit(window.earliest)} or {typed} > {_ts_lit(window.latest)}",
                "timestamp_out_of_range",
                f"{_lit(f'{name} ')} || {col} || "
                + _lit(
                    f" is outside the plausible window [{window.earliest:%Y-%m-%d}, load time + "
                    f"{window.skew_minutes:g} min = {window.latest:%Y-%m-%d %H:%M:%S} UTC]"
                ),
            )
        )
    elif column.data_type in NUMERIC_TYPES:
        checks.append(
            (
                f"{col} is not null and trim({col}) <> '' and {typed} is null",
                "unparseable_value",
                f"{_lit(f'{name} is not a number: ')} || {col}",
            )
        )
    if column.values is not None:
        allowed = ", ".join(_lit(v) for v in column.values)
        expected = _lit(f"' (expected {' or '.join(column.values)})")
        checks.append(
            (
                f"{col} is not null and {col} not in ({allowed})",
                "unknown_value",
                f"{_lit(f'unknown {name} ' + chr(39))} || {col} || {expected}",
            )
        )
    if column.min is not None:
        checks.append((f"{typed} < {column.min}", "out_of_range", f"{_lit(f'{name} below {column.min:g}: ')} || {col}"))
    if column.max is not None:
        checks.append((f"{typed} > {column.max}", "out_of_range", f"{_lit(f'{name} above {column.max:g}: ')} || {col}"))
    return checks


def _nul_checks(contract: Contract) -> list[tuple[str, str, str]]:
    """A NUL character in any value: PostgreSQL cannot store it, so no engine lands it."""
    return [
        (f"contains({_q(c.name)}, chr(0))", "nul_byte", _lit(f"NUL byte (\\x00) in {c.name}")) for c in contract.columns
    ]


def validate(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    source_file: str,
    staged_as: str,
    window: LandingWindow | None = None,
) -> tuple[StagedRows, pa.Table, int]:
    """Splits view `landing` into valid typed rows (staged in table `staged_as` of the work database), rejects
    (position, reason_code, reason, raw_text) and the number of rows repeated identically within the file
    (counted as duplicates, not landed).

    A key repeated within the file with different content is rejected `conflicting_duplicate` (the
    first occurrence lands).
    """
    window = window or landing_window()
    typed_cols = ", ".join(f"{_typed(c)} as t_{c.name}" for c in contract.columns)
    checks = _nul_checks(contract) + [check for column in contract.columns for check in _checks(column, window)]
    checks += [(cond, "rule_violation", msg) for cond, msg in ROW_RULES.get(contract.table, [])]
    # one pass over the checks: the first failing one gives "code<RS>message"
    coded = (
        "coalesce("
        + ", ".join(f"case when {cond} then {_lit(c)} || chr(30) || {msg} end" for cond, c, msg in checks)
        + ")"
    )
    key = ", ".join(f"t_{k}" for k in contract.key)
    key_text = " || '/' || ".join(f"cast(t_{k} as varchar)" for k in contract.key)
    file_columns = [r[0] for r in con.execute("describe landing_file").fetchall()]
    unit = "line" if "_pos" in file_columns else "record"
    # the values joined by chr(31), a null as chr(0): one n-ary concat builds each row's string once (a chain of
    # `||` builds every prefix)
    hash_input = (
        "concat(" + ", chr(31), ".join(f"coalesce(cast(t_{c.name} as varchar), chr(0))" for c in contract.columns) + ")"
    )
    # every value is typed and checked once, here; the queries below read the result
    con.execute(f"""
        create or replace table checked as
        select _pos, {", ".join(f"t_{c.name}" for c in contract.columns)}, {coded} as coded
        from (select *, {typed_cols} from landing)
    """)
    con.execute(f"""
        create or replace table rejected as
        with repeated as (
            select {key}, min(_pos) as first_pos from checked where coded is null
            group by {key} having count(*) > 1
        ),
        hashed as (
            select c._pos, repeated.first_pos, {key_text} as key_text, md5({hash_input}) as _hash
            from checked c join repeated using ({key}) where c.coded is null
        ),
        firsts as (select first_pos, _hash as first_hash from hashed where _pos = first_pos)
        select _pos, split_part(coded, chr(30), 1) as reason_code,
               substr(coded, strpos(coded, chr(30)) + 1) as reason
        from checked where coded is not null
        union all
        select _pos,
            case when _hash = first_hash then 'duplicate_in_file' else 'conflicting_duplicate' end,
            case when _hash = first_hash then null else
                '{"/".join(contract.key)} ' || key_text || ' repeats {unit} ' || cast(first_pos as varchar)
                || ' of the file with different content' end
        from hashed join firsts using (first_pos) where _pos > first_pos
    """)
    duplicates, repeats = con.execute(
        "select count(*) filter (where reason_code = 'duplicate_in_file'),"
        " count(*) filter (where reason_code in ('duplicate_in_file', 'conflicting_duplicate')) from rejected"
    ).fetchone()
    out_cols = ", ".join(f"t_{c.name} as {_q(c.name)}" for c in contract.columns)
    # without repeats within the file, the valid rows are a plain filter of `checked` (in its order): no join, no sort
    later_repeats = "anti join rejected using (_pos)" if repeats else ""
    con.execute(f"""
        create or replace table {staged_as} as
        select {out_cols}, {_lit(source_file)} as source_file, _pos as source_position,
               md5({hash_input}) as row_hash, 1 as _weight
        from checked {later_repeats} where coded is null {"order by _pos" if repeats else ""}
    """)
    valid = StagedRows(con, staged_as, con.execute(f"select count(*) from {staged_as}").fetchone()[0])
    raw_text = (
        "_raw"
        if "_raw" in file_columns
        else "to_json(struct_pack(" + ", ".join(f"{_q(c.name)} := {_q(c.name)}" for c in contract.columns) + "))"
    )
    rejects = con.execute(f"""
        select position, reason_code, reason, raw_text from (
            select cast(regexp_extract(position, '[0-9]+$') as bigint) as _pos, 0 as _part, position,
                   reason_code, reason, raw_text
            from landing_rejects
            union all
            select _pos, 1, '{unit} ' || _pos, reason_code, reason, cast({raw_text} as varchar)
            from landing join rejected using (_pos) where reason_code <> 'duplicate_in_file'
        ) order by _pos, _part
    """).to_arrow_table()
    con.execute("drop table rejected; drop table checked")
    return valid, rejects, duplicates
