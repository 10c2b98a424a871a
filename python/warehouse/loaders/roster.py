"""The roster pipeline: how clan roster snapshots land (clans.md, "Landing format").

`run.load` reads roster files like every other file — phase `read` parses them and rejects bad members
(`documents.read_roster`) — and hands their batches to `land`, which runs the remaining phases for all
roster files of the load, each phase in its own transaction:

- `transform`: hashes every member's key fields and compares them with what has landed — the member
  rows to write (differential) and the zero-delta snapshots. Logs `rows_rejected`.
- `upsert_members`: inserts the changed members into `raw.roster_members`. Logs the members compared
  (`rows_read`) = written (`rows_written`) + unchanged (`rows_duplicate`).
- `write_snapshot`: inserts the snapshots into `raw.roster_snapshots`, with `event_seq`. Logs
  `rows_written` and `rows_duplicate` (members, as every roster count).
- `write_stats`: the load's `raw.ingest_logs` rows, its rejects and its landed-file hashes.

Every phase is retried (`RetryPolicy`: bounded attempts, exponential backoff; a failed attempt is rolled
back). A phase that still fails leaves the earlier phases' data committed and is logged as `failed` with
its error; the file is not recorded as landed, so loading it again completes it (member rows already
written and snapshots already landed are not written twice). Members are written before their snapshot,
so a landed snapshot always has its members.

Fault injection (tests): `WAREHOUSE_LOAD_FAULT=roster-phase:<phase>` makes every attempt of the phase fail
after its writes and before its commit; `roster-phase:<phase>:<n>` only the first n attempts.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar

import pyarrow as pa

from warehouse.loaders.batch import Batch
from warehouse.loaders.ledger import FileResult, landed_files_table, log_table, rejects_table, skipped_rows
from warehouse.loaders.roster_members import member_hash
from warehouse.loaders.write import insert_prepared, prepare_batches

SOURCE = "roster_snapshots"
MEMBERS_TABLE = "raw.roster_members"
PHASES = ("read", "transform", "upsert_members", "write_snapshot", "write_stats")
FAULT_ENV = "WAREHOUSE_LOAD_FAULT"
FAULT_PREFIX = "roster-phase:"
ATTEMPTS_ENV = "WAREHOUSE_ROSTER_ATTEMPTS"
BACKOFF_ENV = "WAREHOUSE_ROSTER_BACKOFF_S"

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per phase and the pause after the n-th failed attempt: backoff_s · factor^(n−1), capped."""

    attempts: int = 3
    backoff_s: float = 0.5
    factor: float = 2.0
    max_backoff_s: float = 10.0

    def delay(self, failed_attempts: int) -> float:
        return min(self.max_backoff_s, self.backoff_s * self.factor ** (failed_attempts - 1))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> RetryPolicy:
        """`WAREHOUSE_ROSTER_ATTEMPTS` (≥ 1, default 3) and `WAREHOUSE_ROSTER_BACKOFF_S` (≥ 0, default 0.5)."""
        env = dict(os.environ if env is None else env)
        try:
            attempts = int(env.get(ATTEMPTS_ENV, cls.attempts))
            backoff = float(env.get(BACKOFF_ENV, cls.backoff_s))
        except ValueError:
            raise ValueError(f"{ATTEMPTS_ENV} must be an integer and {BACKOFF_ENV} a number of seconds") from None
        if attempts < 1 or backoff < 0:
            raise ValueError(f"{ATTEMPTS_ENV} must be at least 1 and {BACKOFF_ENV} at least 0")
        return cls(attempts=attempts, backoff_s=backoff)


class InjectedFault(RuntimeError):
    """Raised by the fault injection of `WAREHOUSE_LOAD_FAULT=roster-phase:...`."""


class PhaseFailed(Exception):
    def __init__(self, phase: str, attempts: int, error: str, started_at: datetime, duration_ms: float):
        self.phase, self.attempts, self.error = phase, attempts, error
        self.started_at, self.duration_ms = started_at, duration_ms
        super().__init__(f"phase {phase} failed after {attempts} attempt(s): {error}")


# --- pure part: snapshots, members, the differential -------------------------------------------------


@dataclass(frozen=True)
class Member:
    tag: str
    hash: str
    text: str
    position: int


@dataclass(frozen=True)
class Snapshot:
    clan_tag: str
    fetched_at: datetime
    payload_hash: str
    members: tuple[Member, ...]
    source_file: str
    is_new: bool = True


@dataclass(frozen=True)
class MemberRow:
    clan_tag: str
    member_tag: str
    fetched_at: datetime
    member_hash: str
    member: str
    source_file: str
    source_position: int


@dataclass
class ClanPlan:
    """What the differential decided for one clan."""

    rows: list[MemberRow] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    written: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    zero_delta: list[Snapshot] = field(default_factory=list)


def parse_snapshot(
    clan_tag: str, fetched_at: datetime, payload_hash: str, payload: str, source_file: str, is_new: bool = True
) -> Snapshot:
    items = json.loads(payload).get("items") or []
    members = tuple(
        Member(m["tag"], member_hash(m), json.dumps(m, ensure_ascii=False), position)
        for position, m in enumerate(items, start=1)
    )
    return Snapshot(clan_tag, fetched_at, payload_hash, members, source_file, is_new)


def plan_clan(
    new: list[Snapshot],
    landed: list[Snapshot],
    landed_rows: Iterable[tuple[str, datetime, str]],
    state: dict[str, str],
    previous_payload_hash: str | None,
) -> ClanPlan:
    """The member rows to write for one clan's new snapshots.

    `new`: the clan's snapshots of this load that have not landed; `landed`: its landed snapshots from
    the earliest new one on; `landed_rows`: its member rows already written from then on (tag, fetched_at,
    hash); `state`: member tag → hash of its latest row before then; `previous_payload_hash`: that of the
    latest landed snapshot before then.

    Walking everything in time order, a member gets a row at the first snapshot where its hash differs
    from its last known one — new snapshots, and also a landed snapshot after a late-arriving one (so that
    "the latest row at or before a snapshot" stays that snapshot's member). Rows already written are
    never written again. A new snapshot whose payload hash equals the previous snapshot's is zero-delta.
    """
    plan = ClanPlan()
    events: list[tuple[datetime, int, object]] = [(at, 0, (tag, h)) for tag, at, h in landed_rows]
    events += [(s.fetched_at, 1, s) for s in [*new, *landed]]
    events.sort(key=lambda e: (e[0], e[1]))
    state = dict(state)
    written = {(tag, at) for at, kind, item in events if kind == 0 for tag, _ in [item]}
    previous_hash, attribute_to = previous_payload_hash, None
    for _, kind, item in events:
        if kind == 0:
            tag, h = item  # type: ignore[misc]
            state[tag] = h
            continue
        snapshot: Snapshot = item  # type: ignore[assignment]
        if snapshot.is_new:
            attribute_to = snapshot.source_file
            if snapshot.payload_hash == previous_hash:
                plan.zero_delta.append(snapshot)
        previous_hash = snapshot.payload_hash
        for member in snapshot.members:
            if snapshot.is_new:
                plan.compared[attribute_to] += 1
            if state.get(member.tag) == member.hash:
                continue
            state[member.tag] = member.hash
            if (member.tag, snapshot.fetched_at) in written:
                continue
            assert attribute_to is not None, "a landed snapshot is only walked after a new one"
            if not snapshot.is_new:
                plan.compared[attribute_to] += 1
            plan.written[attribute_to] += 1
            written.add((member.tag, snapshot.fetched_at))
            plan.rows.append(
                MemberRow(
                    snapshot.clan_tag,
                    member.tag,
                    snapshot.fetched_at,
                    member.hash,
                    member.text,
                    snapshot.source_file,
                    member.position,
                )
            )
    return plan


def new_snapshots(batches: list[Batch]) -> list[Snapshot]:
    """Every snapshot of the batches, in load order; a key repeated in a later file is left out."""
    seen: set[tuple[str, datetime]] = set()
    snapshots = []
    for batch in batches:
        table = batch.valid.arrow("clan_tag, fetched_at, payload_hash, payload")
        for clan, at, payload_hash, payload in zip(
            *(table[c].to_pylist() for c in ("clan_tag", "fetched_at", "payload_hash", "payload")), strict=True
        ):
            if (clan, at) in seen:
                continue
            seen.add((clan, at))
            snapshots.append(parse_snapshot(clan, at, payload_hash, payload, str(batch.path)))
    return snapshots


# --- the phases ---------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ts(value: datetime) -> str:
    return f"cast('{value:%Y-%m-%d %H:%M:%S.%f}' as timestamp)"


def inject_fault(phase: str, attempt: int) -> None:
    fault = os.environ.get(FAULT_ENV, "")
    if not fault.startswith(FAULT_PREFIX):
        return
    target, _, times = fault[len(FAULT_PREFIX) :].partition(":")
    if target == phase and (not times or attempt <= int(times)):
        raise InjectedFault(f"injected failure in phase {phase} (attempt {attempt})")


@dataclass
class PhaseLog:
    phase: str
    started_at: datetime
    duration_ms: float
    status: str = "ok"
    error: str | None = None


@dataclass
class Outcome:
    """What `land` returns to `run.load`: per-file results and, if a phase failed, the error."""

    files: list = field(default_factory=list)
    error: str | None = None
    zero_delta: list[tuple[str, datetime]] = field(default_factory=list)


class RosterLoad:
    def __init__(self, warehouse, run_id: str, batches: list[Batch], policy: RetryPolicy, say: Callable[[str], None]):
        self.warehouse, self.run_id, self.batches, self.policy, self.say = warehouse, run_id, batches, policy, say
        self.logs: list[PhaseLog] = []
        self.plans: list[ClanPlan] = []
        self.snapshot_counts: dict[str, tuple[int, int]] = {}

    def phase(self, name: str, work: Callable[[int], T]) -> T:
        """Runs `work(attempt)` until it succeeds or the attempts are spent; logs the phase."""
        started, clock = _now(), time.perf_counter()
        errors: list[str] = []
        for attempt in range(1, self.policy.attempts + 1):
            try:
                result = work(attempt)
            except Exception as error:  # every failure of a phase is retried, then reported
                self._rollback()
                errors.append(f"{type(error).__name__}: {error}")
                if attempt == self.policy.attempts:
                    raise PhaseFailed(
                        name, attempt, errors[-1], started, (time.perf_counter() - clock) * 1000
                    ) from error
                self.say(f"{name}: attempt {attempt} failed ({errors[-1]}); retrying")
                time.sleep(self.policy.delay(attempt))
                continue
            recovered = f"recovered after {len(errors)} failed attempt(s): {errors[-1]}" if errors else None
            self.logs.append(PhaseLog(name, started, (time.perf_counter() - clock) * 1000, error=recovered))
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _rollback(self) -> None:
        try:
            self.warehouse.rollback()
        except Exception:  # no transaction was open
            pass

    # transform ------------------------------------------------------------------------------------
    def transform(self, attempt: int) -> list[ClanPlan]:
        snapshots = new_snapshots(self.batches)
        by_clan: dict[str, list[Snapshot]] = defaultdict(list)
        for snapshot in snapshots:
            by_clan[snapshot.clan_tag].append(snapshot)
        plans = [self._plan(clan, clan_snapshots) for clan, clan_snapshots in sorted(by_clan.items())]
        inject_fault("transform", attempt)
        return plans

    def _plan(self, clan: str, snapshots: list[Snapshot]) -> ClanPlan:
        w, c = self.warehouse, _lit(clan)
        since = _ts(min(s.fetched_at for s in snapshots))
        landed = [
            parse_snapshot(clan, at, h, payload, source_file, is_new=False)
            for at, h, payload, source_file in w.fetch(
                f"select fetched_at, payload_hash, payload, source_file from raw.{SOURCE}"
                f" where clan_tag = {c} and fetched_at >= {since}"
            )
        ]
        landed_keys = {s.fetched_at for s in landed}
        new = [s for s in snapshots if s.fetched_at not in landed_keys]
        if not new:
            return ClanPlan()
        since = _ts(min(s.fetched_at for s in new))
        landed = [s for s in landed if s.fetched_at >= min(n.fetched_at for n in new)]
        landed_rows = w.fetch(
            f"select member_tag, fetched_at, member_hash from {MEMBERS_TABLE}"
            f" where clan_tag = {c} and fetched_at >= {since}"
        )
        state = dict(
            w.fetch(f"""
                select member_tag, member_hash from (
                    select member_tag, member_hash,
                           row_number() over (partition by member_tag order by fetched_at desc) as rn
                    from {MEMBERS_TABLE} where clan_tag = {c} and fetched_at < {since}
                ) latest where rn = 1""")
        )
        previous = w.fetch(
            f"select payload_hash from raw.{SOURCE} where clan_tag = {c} and fetched_at < {since}"
            " order by fetched_at desc limit 1"
        )
        return plan_clan(new, landed, landed_rows, state, previous[0][0] if previous else None)

    # upsert_members --------------------------------------------------------------------------------
    def upsert_members(self, attempt: int) -> None:
        rows = [row for plan in self.plans for row in plan.rows]
        loaded_at = _now()
        table = pa.table(
            {
                "clan_tag": pa.array([r.clan_tag for r in rows], pa.string()),
                "member_tag": pa.array([r.member_tag for r in rows], pa.string()),
                "fetched_at": pa.array([r.fetched_at for r in rows], pa.timestamp("us")),
                "member_hash": pa.array([r.member_hash for r in rows], pa.string()),
                "member": pa.array([r.member for r in rows], pa.string()),
                "run_id": pa.array([self.run_id] * len(rows), pa.string()),
                "source_file": pa.array([r.source_file for r in rows], pa.string()),
                "source_position": pa.array([r.source_position for r in rows], pa.int64()),
                "loaded_at": pa.array([loaded_at] * len(rows), pa.timestamp("us")),
            }
        )
        self.warehouse.begin()
        if rows:
            self.warehouse.bulk_insert(MEMBERS_TABLE, table)
        inject_fault("upsert_members", attempt)
        self.warehouse.commit()

    # write_snapshot --------------------------------------------------------------------------------
    def write_snapshot(self, attempt: int) -> dict[str, tuple[int, int]]:
        tables, counts = prepare_batches(self.warehouse, self.batches)
        self.warehouse.begin()
        insert_prepared(self.warehouse, tables, self.run_id, _now())
        inject_fault("write_snapshot", attempt)
        self.warehouse.commit()
        return counts

    # write_stats -----------------------------------------------------------------------------------
    def write_stats(self, attempt: int, skipped: list[dict]):
        started = _now()
        written = {name: counts[0] for name, counts in self.snapshot_counts.items()}
        self.warehouse.begin()
        for batch in self.batches:
            if batch.rejects.num_rows:
                self.warehouse.bulk_insert(
                    "raw.rejects", rejects_table(self.run_id, SOURCE, str(batch.path), batch.rejects, started)
                )
        self.warehouse.bulk_insert("raw.landed_files", landed_files_table(self.batches, self.run_id, started, written))
        own = PhaseLog("write_stats", started, (_now() - started).total_seconds() * 1000)
        self.warehouse.bulk_insert("raw.ingest_logs", log_table(self.run_id, skipped + self.log_rows([own])))
        inject_fault("write_stats", attempt)
        self.warehouse.commit()

    # logging ---------------------------------------------------------------------------------------
    def log_rows(self, extra: list[PhaseLog] = ()) -> list[dict]:
        """One `raw.ingest_logs` row per file and phase run so far (`read` from the batch's own timing).

        Counts go with a phase only when it succeeded, so that every phase balances on its own:
        read → rows_read; transform → rows_rejected; upsert_members → members compared (rows_read) =
        written + unchanged (rows_duplicate); write_snapshot → rows_written + rows_duplicate.
        """
        rows = []
        for batch in self.batches:
            name = str(batch.path)
            read = batch.timings[0]
            base = {"source": SOURCE, "file": name}
            rows.append(
                {
                    **base,
                    "phase": "read",
                    "started_at": read.started_at,
                    "duration_ms": sum(t.duration_ms for t in batch.timings),
                    "rows_read": batch.rows_read,
                }
            )
            for log in [*self.logs, *extra]:
                row = {
                    **base,
                    "phase": log.phase,
                    "started_at": log.started_at,
                    "duration_ms": log.duration_ms,
                    "status": log.status,
                    "error": log.error,
                }
                if log.status != "ok":
                    pass
                elif log.phase == "transform":
                    row["rows_rejected"] = batch.rows_rejected
                elif log.phase == "upsert_members":
                    compared = sum(p.compared.get(name, 0) for p in self.plans)
                    written = sum(p.written.get(name, 0) for p in self.plans)
                    row.update(rows_read=compared, rows_written=written, rows_duplicate=compared - written)
                elif log.phase == "write_snapshot":
                    written, duplicate = self.snapshot_counts.get(name, (0, 0))
                    row.update(rows_written=written, rows_duplicate=duplicate + batch.duplicates_in_file)
                rows.append(row)
        return rows


def is_roster(batch: Batch) -> bool:
    return batch.contract.table == SOURCE


def land(
    warehouse,
    run_id: str,
    batches: list[Batch],
    skipped: list,
    say: Callable[[str], None] = lambda message: None,
    policy: RetryPolicy | None = None,
) -> Outcome:
    """Runs the transform, upsert_members, write_snapshot and write_stats phases for the roster batches.

    `skipped` are the load's files skipped as already landed (their `read` rows are logged here).
    """
    policy = policy or RetryPolicy.from_env()
    load = RosterLoad(warehouse, run_id, batches, policy, say)
    outcome = Outcome()
    warehouse.lock()
    try:
        load.plans = load.phase("transform", load.transform)
        outcome.zero_delta = [(s.clan_tag, s.fetched_at) for p in load.plans for s in p.zero_delta]
        for clan, at in outcome.zero_delta:
            say(f"{clan} {at:%Y-%m-%d %H:%M:%S}: zero-delta snapshot (same members as the previous one)")
        n_rows = sum(len(p.rows) for p in load.plans)
        say(f"upserting {n_rows:,} changed member rows")
        load.phase("upsert_members", load.upsert_members)
        say(f"writing {sum(b.valid.num_rows for b in batches):,} roster snapshots")
        load.snapshot_counts = load.phase("write_snapshot", load.write_snapshot)
        load.phase("write_stats", lambda attempt: load.write_stats(attempt, skipped_rows(skipped)))
    except PhaseFailed as failure:
        load.logs.append(PhaseLog(failure.phase, failure.started_at, failure.duration_ms, "failed", failure.error))
        done = [log.phase for log in load.logs if log.status == "ok"]
        warehouse.begin()
        warehouse.bulk_insert("raw.ingest_logs", log_table(run_id, skipped_rows(skipped) + load.log_rows()))
        warehouse.commit()
        outcome.error = (
            f"roster load failed in phase {failure.phase} after {failure.attempts} attempt(s): {failure.error}. "
            f"What the earlier phases wrote ({', '.join(['read', *done])}) is kept; "
            "load the same files again to complete the load"
        )
    for batch in batches:
        name = str(batch.path)
        written, duplicate = load.snapshot_counts.get(name, (0, 0))
        outcome.files.append(
            FileResult(
                SOURCE,
                name,
                "failed" if outcome.error else "ok",
                batch.rows_read,
                written,
                batch.rows_rejected,
                duplicate + batch.duplicates_in_file,
                error=outcome.error,
            )
        )
    return outcome
