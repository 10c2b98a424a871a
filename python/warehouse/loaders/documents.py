"""Reading and validating JSON document sources: staking epochs and clan roster snapshots.

Documents are kept verbatim in raw (the payload text); what is checked here is what downstream
models rely on: the identifying fields, timestamps, and that every amount is an exact unsigned
128-bit number in one of the accepted forms.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from threading import Event

import pyarrow as pa

from warehouse.loaders.amounts import AmountError, parse_u128
from warehouse.loaders.batch import Rejected, StagedRows, UnusableFile
from warehouse.loaders.contracts import Contract
from warehouse.loaders.decoding import decode, encodable, undecodable
from warehouse.loaders.roster_members import screen as screen_members
from warehouse.loaders.window import LandingWindow, landing_window

INFINITE = ("infinity", "+infinity", "-infinity")


def canonical_hash(value: object) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_timestamp(value: object, name: str, window: LandingWindow | None = None) -> datetime:
    """An ISO-8601 timestamp as naive UTC (naive input is UTC), inside the landing window when one is given."""
    if not isinstance(value, str) or not value.strip():
        raise Rejected("missing_value", f"missing {name}")
    if value.strip().lower() in INFINITE:
        raise Rejected("timestamp_out_of_range", f"{name} {value} is not a finite time")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Rejected("unparseable_value", f"unparseable timestamp in {name}: {value}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    problem = window.problem(parsed, name) if window else None
    if problem:
        raise Rejected("timestamp_out_of_range", problem)
    return parsed


#: The JSON escapes through which alone a parsed string can hold NUL or a surrogate: JSON text holds neither
#: character raw (the parser refuses control characters in strings, and undecodable bytes are rejected first).
_STORAGE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _storage_problem(value: object, text: str) -> Rejected | None:
    """A string anywhere in the document (parsed from `text`) that no engine can store the same: NUL, a lone
    surrogate. The document is searched only when its text holds an escape that could give one."""
    if not _STORAGE_ESCAPE.search(text):
        return None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return Rejected("nul_byte", "NUL character (\\u0000) in the document")
            if not encodable(item):
                return Rejected("invalid_utf8", "a lone surrogate escape (\\ud800-\\udfff) in the document")
    return None


class ReadingStopped(Exception):
    """The load stopped reading documents (`stop` was set: the rest of the load failed or was interrupted)."""


def _documents(
    path: Path, fmt: str, stop: Event | None = None
) -> Iterator[tuple[str, str, object | None, Rejected | None]]:
    """(position, text, parsed document or None, why it cannot land) for each document of the file; raises
    ReadingStopped at the next document once `stop` is set.

    A file with no documents (empty, blank lines only, or `[]`) yields none, in every format.
    """
    for document in _all_documents(path, fmt):
        if stop is not None and stop.is_set():
            raise ReadingStopped(str(path))
        yield document


def _all_documents(path: Path, fmt: str) -> Iterator[tuple[str, str, object | None, Rejected | None]]:
    if fmt == "jsonl":
        for number, line in enumerate(_lines(path), start=1):
            if not line.strip():
                continue
            position = f"line {number}"
            problem = undecodable(line)
            if problem:
                yield position, line, None, Rejected("invalid_utf8", problem)
                continue
            try:
                document = json.loads(line)
            except json.JSONDecodeError as error:
                yield position, line, None, Rejected("malformed_row", f"malformed JSON document: {error.msg}")
                continue
            yield position, line, document, _storage_problem(document, line)
        return
    text = decode(path)  # one JSON document or array: parsed whole
    if not text.strip():
        return
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnusableFile(path, f"not JSON ({error.msg} at line {error.lineno})") from None
    items = enumerate(parsed) if isinstance(parsed, list) else [(None, parsed)]
    for index, document in items:
        position = "document" if index is None else f"[{index}]"
        document_text = text if index is None else json.dumps(document, ensure_ascii=False)
        problem = undecodable(document_text)
        if problem:
            yield position, document_text, None, Rejected("invalid_utf8", problem)
            continue
        yield position, document_text, document, _storage_problem(document, document_text)


def _lines(path: Path) -> Iterator[str]:
    """The file's lines as `str.splitlines` splits the whole text (undecodable bytes kept as surrogates), read a
    line at a time: a UTF-8 sequence never holds a line feed, so each is decoded alone."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise UnusableFile(path, f"unreadable: {error.strerror or error}") from None
    with handle:
        for number, raw in enumerate(handle):
            line = raw[3:] if number == 0 and raw.startswith(b"\xef\xbb\xbf") else raw
            yield from line.decode("utf-8", "surrogateescape").splitlines()


def _int_field(document: dict, name: str) -> int:
    value = document.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Rejected("invalid_document", f"{name} is missing or not a non-negative integer: {value!r}")
    return value


def _amount(value: object, where: str) -> None:
    try:
        parse_u128(value)
    except AmountError as error:
        code = "out_of_range" if "range" in str(error) else "unparseable_value"
        raise Rejected(code, f"amount at {where} is {error}") from None


def check_epoch_amounts(data: dict) -> None:
    """Every amount of an epoch document parses exactly; raises Rejected naming the first that does not."""
    summary = data.get("domainStakingSummary") or {}
    if "currentTotalStake" in summary:
        _amount(summary["currentTotalStake"], "data.domainStakingSummary.currentTotalStake")
    for field in ("currentOperators", "currentEpochRewards"):
        for operator, value in (summary.get(field) or {}).items():
            _amount(value, f"data.domainStakingSummary.{field}.{operator}")
    for index, entry in enumerate((data.get("operators") or {}).get("entries") or []):
        value = entry.get("value") or {}
        for field in ("currentTotalStake", "currentTotalShares", "minimumNominatorStake"):
            if field in value:
                _amount(value[field], f"data.operators.entries[{index}].value.{field}")
    for index, entry in enumerate((data.get("operatorEpochSharePrice") or {}).get("entries") or []):
        _amount(entry.get("value"), f"data.operatorEpochSharePrice.entries[{index}].value")


def _epoch_row(document: object, window: LandingWindow) -> dict:
    if not isinstance(document, dict):
        raise Rejected("malformed_row", "epoch document is not a JSON object")
    data = document.get("data")
    if not isinstance(data, dict):
        raise Rejected("invalid_document", "missing data object")
    row = {
        "domain_id": _int_field(document, "domainId"),
        "epoch": _int_field(document, "epoch"),
        "epoch_timestamp": parse_timestamp(document.get("timestamp"), "timestamp", window),
    }
    check_epoch_amounts(data)
    return row


#: Valid documents are staged in the work database once they hold this much payload text, so that a large file
#: of documents is never held in Python whole.
STAGE_PAYLOAD_CHARS = 8 << 20


def read_epochs(
    path: Path, contract: Contract, fmt: str, source_file: str, staged: StagedRows, stop: Event | None = None
):
    """Appends the valid rows to `staged` as they are read; returns (rejects, documents read, documents repeated
    identically in the file). Stops (ReadingStopped) once `stop` is set."""
    rows, rejects, read, duplicates, pending_chars = [], [], 0, 0, 0
    seen: dict[tuple, tuple[str, int]] = {}
    window = landing_window()
    for position, text, document, problem in _documents(path, fmt, stop):
        read += 1
        try:
            if problem:
                raise problem
            row = _epoch_row(document, window)
        except Rejected as rejected:
            rejects.append((position, rejected.code, str(rejected), text))
            continue
        payload_hash = canonical_hash(document)
        row = {
            **row,
            "payload_version": None,
            "payload_hash": payload_hash,
            "payload": text,
            "source_file": source_file,
            "source_position": read,
            "row_hash": payload_hash,
            "_weight": 1,
        }
        repeat = _repeat_in_file(row, seen, contract, key_label="domainId/epoch")
        if repeat is not None:
            duplicates += repeat[0]
            rejects.extend(repeat[1])
            continue
        rows.append(row)
        pending_chars += len(text)
        if pending_chars >= STAGE_PAYLOAD_CHARS:
            staged.append(_table(rows, contract))
            rows, pending_chars = [], 0
    staged.append(_table(rows, contract))
    return rejects, read, duplicates


def read_roster(
    path: Path, contract: Contract, fmt: str, source_file: str, staged: StagedRows, stop: Event | None = None
):
    """As `read_epochs`; a roster counts its members as rows, a snapshot with no members as one row."""
    rows, rejects, read = [], [], 0
    window = landing_window()
    for position, text, document, problem in _documents(path, fmt, stop):
        items = document.get("items") if isinstance(document, dict) else None
        members = items if isinstance(items, list) else []
        read += max(len(members), 1)
        try:
            if problem:
                raise problem
            if not isinstance(document, dict):
                raise Rejected("malformed_row", "roster document is not a JSON object")
            clan_tag = document.get("clanTag")
            if not isinstance(clan_tag, str) or not clan_tag.strip():
                raise Rejected("invalid_document", "missing clanTag")
            fetched_at = parse_timestamp(document.get("fetchedAt"), "fetchedAt", window)
            if not isinstance(items, list):
                raise Rejected("invalid_document", "items is missing or not a list")
        except Rejected as rejected:
            if members:
                rejects.extend(
                    (f"{position} items[{i}]", rejected.code, str(rejected), json.dumps(m, ensure_ascii=False))
                    for i, m in enumerate(members)
                )
            else:
                rejects.append((position, rejected.code, str(rejected), text))
            continue
        kept, problems = screen_members(members)
        rejects.extend(
            (f"{position} items[{index}]", "invalid_member", reason, json.dumps(members[index], ensure_ascii=False))
            for index, reason in problems
        )
        payload, payload_text = document, text
        if len(kept) != len(members):
            kept_tags = {m["tag"] for m in kept}
            rejected_tags = sorted(
                {
                    members[i]["tag"]
                    for i, _ in problems
                    if isinstance(members[i], dict)
                    and _is_tag(members[i].get("tag"))
                    and members[i]["tag"] not in kept_tags
                }
            )
            payload = {
                **document,
                "items": kept,
                REJECTED_COUNT: len(problems),
                REJECTED_TAGS: [{"tag": tag} for tag in rejected_tags],
            }
            payload_text = json.dumps(payload, ensure_ascii=False)
        if members and not kept:
            continue
        members_hash = canonical_hash(sorted(kept, key=lambda m: m["tag"]))
        rows.append(
            {
                "clan_tag": clan_tag,
                "fetched_at": fetched_at,
                "member_count": len(kept),
                "payload_hash": members_hash,
                "payload": payload_text,
                "source_file": source_file,
                "source_position": len(rows) + 1,
                "row_hash": canonical_hash(payload),
                "_weight": max(len(kept), 1),
            }
        )
    seen: dict[tuple, tuple[str, int]] = {}
    kept_rows, duplicates = [], 0
    for row in rows:
        repeat = _repeat_in_file(row, seen, contract, key_label="clanTag/fetchedAt")
        if repeat is None:
            kept_rows.append(row)
        else:
            duplicates += repeat[0]
            rejects.extend(repeat[1])
    staged.append(_table(kept_rows, contract))
    return rejects, read, duplicates


#: The payload fields of a partial roster snapshot (some members rejected): how many members were rejected,
#: and the tags of those that carry one. These members keep the state of their last good snapshot (they have
#: not left the clan), and the snapshot is flagged partial (`stg_clans__roster_snapshots.is_partial`).
REJECTED_COUNT = "rejectedMemberCount"
REJECTED_TAGS = "rejectedMemberTags"


def _is_tag(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _repeat_in_file(row: dict, seen: dict[tuple, tuple[str, int]], contract: Contract, key_label: str):
    """None for a row whose key is new in the file (then remembered in `seen`: key -> (row hash, position));
    else (counted duplicates, rejects): an identical repeat is a duplicate, another a conflict."""
    key = tuple(row[k] for k in contract.key)
    first = seen.get(key)
    if first is None:
        seen[key] = (row["row_hash"], row["source_position"])
        return None
    first_hash, first_position = first
    if first_hash == row["row_hash"]:
        return row["_weight"], []
    reason = (
        f"{key_label} {'/'.join(map(str, key))} repeats document {first_position} of the file with different content"
    )
    conflict = (f"document {row['source_position']}", "conflicting_duplicate", reason, row["payload"])
    return 0, [conflict] * row["_weight"]


_ARROW_TYPES = {
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "timestamp": pa.timestamp("us"),
    "varchar": pa.string(),
    "text": pa.string(),
    "double precision": pa.float64(),
}


def arrow_schema(contract: Contract) -> pa.Schema:
    """The valid rows of a document source: its columns, then source_file, source_position, row_hash, _weight."""
    fields = [(c.name, _ARROW_TYPES[c.data_type]) for c in contract.columns]
    fields += [
        ("source_file", pa.string()),
        ("source_position", pa.int64()),
        ("row_hash", pa.string()),
        ("_weight", pa.int64()),
    ]
    return pa.schema(fields)


def _table(rows: list[dict], contract: Contract) -> pa.Table:
    schema = arrow_schema(contract)
    return pa.table({name: [row[name] for row in rows] for name in schema.names}, schema=schema)
