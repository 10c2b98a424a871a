"""Reading and validating JSON document sources: staking epochs and clan roster snapshots.

Documents are kept verbatim in raw (the payload text); what is checked here is what downstream
models rely on: the identifying fields, timestamps, and that every amount is an exact unsigned
128-bit number in one of the accepted forms.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from warehouse.loaders.amounts import AmountError, parse_u128
from warehouse.loaders.batch import UnusableFile
from warehouse.loaders.contracts import Contract
from warehouse.loaders.roster_members import screen as screen_members


class DocumentRejected(ValueError):
    """A document (or a part of it) that cannot land, with the reason."""


def canonical_hash(value: object) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_timestamp(value: object, name: str) -> datetime:
    """An ISO-8601 timestamp as naive UTC; naive input is UTC."""
    if not isinstance(value, str) or not value.strip():
        raise DocumentRejected(f"missing {name}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DocumentRejected(f"unparseable timestamp in {name}: {value}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _documents(path: Path, fmt: str) -> Iterator[tuple[str, str, object | None, str | None]]:
    """(position, text, parsed document or None, parse error) for each document of the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UnusableFile(path, f"unreadable: {error}") from None
    if fmt == "jsonl":
        seen = False
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            seen = True
            try:
                yield f"line {number}", line, json.loads(line), None
            except json.JSONDecodeError as error:
                yield f"line {number}", line, None, f"malformed JSON document: {error.msg}"
        if not seen:
            raise UnusableFile(path, "no JSON documents in the file")
        return
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnusableFile(path, f"not JSON ({error.msg} at line {error.lineno})") from None
    if isinstance(parsed, list):
        for index, document in enumerate(parsed):
            yield f"[{index}]", json.dumps(document, ensure_ascii=False), document, None
    else:
        yield "document", text, parsed, None


def _int_field(document: dict, name: str) -> int:
    value = document.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DocumentRejected(f"{name} is missing or not a non-negative integer: {value!r}")
    return value


def _amount(value: object, where: str) -> None:
    try:
        parse_u128(value)
    except AmountError as error:
        raise DocumentRejected(f"amount at {where} is {error}") from None


def check_epoch_amounts(data: dict) -> None:
    """Every amount of an epoch document parses exactly; raises DocumentRejected naming the first that does not."""
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


def _epoch_row(document: object) -> dict:
    if not isinstance(document, dict):
        raise DocumentRejected("epoch document is not a JSON object")
    data = document.get("data")
    if not isinstance(data, dict):
        raise DocumentRejected("missing data object")
    row = {
        "domain_id": _int_field(document, "domainId"),
        "epoch": _int_field(document, "epoch"),
        "epoch_timestamp": parse_timestamp(document.get("timestamp"), "timestamp"),
    }
    check_epoch_amounts(data)
    return row


def read_epochs(path: Path, contract: Contract, fmt: str, source_file: str) -> tuple[pa.Table, list, int]:
    rows, rejects, read = [], [], 0
    for position, text, document, error in _documents(path, fmt):
        read += 1
        try:
            if error:
                raise DocumentRejected(error)
            row = _epoch_row(document)
        except DocumentRejected as rejected:
            rejects.append((position, str(rejected), text))
            continue
        payload_hash = canonical_hash(document)
        rows.append(
            {
                **row,
                "payload_version": None,
                "payload_hash": payload_hash,
                "payload": text,
                "source_file": source_file,
                "source_position": read,
                "row_hash": payload_hash,
                "_weight": 1,
            }
        )
    rows, duplicates = _drop_in_file_duplicates(rows, contract, rejects, key_label="domainId/epoch")
    return _table(rows, contract), rejects + duplicates, read


def read_roster(path: Path, contract: Contract, fmt: str, source_file: str) -> tuple[pa.Table, list, int]:
    """A roster counts its members as rows; a snapshot with no members counts as one row."""
    rows, rejects, read = [], [], 0
    for position, text, document, error in _documents(path, fmt):
        items = document.get("items") if isinstance(document, dict) else None
        members = items if isinstance(items, list) else []
        read += max(len(members), 1)
        try:
            if error:
                raise DocumentRejected(error)
            if not isinstance(document, dict):
                raise DocumentRejected("roster document is not a JSON object")
            clan_tag = document.get("clanTag")
            if not isinstance(clan_tag, str) or not clan_tag.strip():
                raise DocumentRejected("missing clanTag")
            fetched_at = parse_timestamp(document.get("fetchedAt"), "fetchedAt")
            if not isinstance(items, list):
                raise DocumentRejected("items is missing or not a list")
        except DocumentRejected as rejected:
            if members:
                rejects.extend(
                    (f"{position} items[{i}]", str(rejected), json.dumps(m, ensure_ascii=False))
                    for i, m in enumerate(members)
                )
            else:
                rejects.append((position, str(rejected), text))
            continue
        kept, problems = screen_members(members)
        rejects.extend(
            (f"{position} items[{index}]", problem, json.dumps(members[index], ensure_ascii=False))
            for index, problem in problems
        )
        payload, payload_text = document, text
        if len(kept) != len(members):
            payload = {**document, "items": kept}
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
    rows, duplicates = _drop_in_file_duplicates(rows, contract, rejects, key_label="clanTag/fetchedAt")
    return _table(rows, contract), rejects + duplicates, read


def _drop_in_file_duplicates(rows: list[dict], contract: Contract, rejects: list, key_label: str):
    seen: dict[tuple, int] = {}
    kept, duplicates = [], []
    for row in rows:
        key = tuple(row[k] for k in contract.key)
        if key in seen:
            duplicates.extend(
                (
                    f"document {row['source_position']}",
                    f"duplicate {key_label} {'/'.join(map(str, key))} within the file (first at document {seen[key]})",
                    row["payload"],
                )
                for _ in range(row["_weight"])
            )
            continue
        seen[key] = row["source_position"]
        kept.append(row)
    return kept, duplicates


_ARROW_TYPES = {
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "timestamp": pa.timestamp("us"),
    "varchar": pa.string(),
    "text": pa.string(),
    "double precision": pa.float64(),
}


def _table(rows: list[dict], contract: Contract) -> pa.Table:
    fields = [(c.name, _ARROW_TYPES[c.data_type]) for c in contract.columns]
    fields += [
        ("source_file", pa.string()),
        ("source_position", pa.int64()),
        ("row_hash", pa.string()),
        ("_weight", pa.int64()),
    ]
    schema = pa.schema(fields)
    return pa.table({name: [row[name] for row in rows] for name in schema.names}, schema=schema)
