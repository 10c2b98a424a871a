"""Orchestration: a whole world (``generate_world``) and later batches continuing it (``generate_delta``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import polars as pl

from . import clans, community, discovery, forum, messaging, people, staking, upvotes
from .clock import DAY_MS, HOUR_MS, WORLD_START_MS, iso_one
from .scales import SCALES, Scale
from .writers import FORMATS, write_json, write_jsonl, write_table

STATE_VERSION = 1
STREAMS = (
    "users",
    "nfts",
    "votes",
    "sliders",
    "fires",
    "projects",
    "search",
    "investors",
    "upvotes",
    "conversations",
    "messages",
    "intro_requests",
    "chain_posts",
    "post_comments",
    "staking",
    "clans",
)
TABULAR = (
    "nfts",
    "users",
    "votes",
    "sliders",
    "fires",
    "projects",
    "chains",
    "upvotes",
    "messages",
    "intro_requests",
    "chain_posts",
    "post_comments",
    "investors",
)
EVENT_TIME_COLUMN = {
    "votes": "occurred_at",
    "sliders": "occurred_at",
    "fires": "occurred_at",
    "upvotes": "occurred_at",
    "messages": "sent_at",
    "intro_requests": "created_at",
    "chain_posts": "created_at",
    "post_comments": "created_at",
}
DELTA_LATE_SHARE = 0.01
PROJECT_LEAD_DAYS = 90
SIGNED_UP_DURING_HISTORY = 0.7


def _streams(seed: int, batch: int, extra: int | None = None) -> dict[str, np.random.Generator]:
    """One independent generator per stream, so changing one domain never shifts another's data."""
    entropy = [int(seed), int(batch)] + ([int(extra)] if extra is not None else [])
    children = np.random.SeedSequence(entropy).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}


def _prepare(out: Path, fmt: str) -> Path:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    stale = [out / f"{source}.{ext}" for source in TABULAR for ext in FORMATS]
    stale += [out / "epochs.jsonl", *out.glob("roster_*.json")]
    for path in stale:
        path.unlink(missing_ok=True)
    return out


def _max_time(df: pl.DataFrame, column: str) -> str | None:
    if df.height == 0:
        return None
    return df[column].str.slice(0, 23).max() + "Z"


def _write_truth(out: Path, truth: dict[str, pl.DataFrame]) -> None:
    for name, df in truth.items():
        df.write_parquet(out / "truth" / f"{name}.parquet", compression="zstd")


class _Landed:
    """The landing files of a world or a delta, written one table at a time: what the state needs of each table
    is kept (its rows, its newest event time), the table itself is not."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.out, self.fmt = out, fmt
        self.files: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.newest: dict[str, str | None] = {}

    def add(self, source: str, df: pl.DataFrame) -> None:
        name, rows = write_table(df, self.out, source, self.fmt)
        self.files[name] = self.rows[source] = rows
        if source in EVENT_TIME_COLUMN:
            self.newest[source] = _max_time(df, EVENT_TIME_COLUMN[source])


def _write_rosters(out: Path, snaps: list[tuple[str, dict]]) -> dict[str, int]:
    """One file per snapshot; its row count is its number of members (as the loader counts them)."""
    files: dict[str, int] = {}
    for name, doc in snaps:
        write_json(doc, out / name)
        files[name] = len(doc["items"])
    return files


def generate_world(scale: str, seed: int, out: Path, fmt: str = "csv") -> dict:
    """Write a complete world of ``scale`` for ``seed`` into ``out``; same inputs, byte-identical files.

    Returns ``{"files": {file name: rows}, "seconds": float, "bytes": int}``: rows are lines for tabular
    files, documents for ``epochs.jsonl``, members for each roster snapshot.
    """
    started = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    sc: Scale = SCALES[scale]
    out = _prepare(out, fmt)
    rng = _streams(seed, 0)
    start = WORLD_START_MS
    end = start + sc.days * DAY_MS

    users = people.make_users(rng["users"], 1, people.signup_times(rng["users"], sc.users, start, end))
    nfts = community.make_nfts(rng["nfts"], sc.nfts, sc.collections, start, sc.days)
    chain_table = discovery.chains(sc.chains)
    investors = discovery.investors(rng["investors"], users, chain_table, sc.investors, start, end, 1)
    is_investor = np.zeros(users.height, dtype=bool)
    is_investor[investors["user_pos"].to_numpy()] = True
    users = users.with_columns(is_investor=pl.Series(is_investor))

    # each table is written as soon as it is made and then let go: one event table in memory at a time
    landed = _Landed(out, fmt)
    landed.add("votes", community.votes(rng["votes"], users, nfts, sc.votes, start, end, 1))
    landed.add("sliders", community.sliders(rng["sliders"], users, nfts, sc.sliders, start, end, 1))
    landed.add("fires", community.fires(rng["fires"], users, nfts, sc.fires, start, end, 1))

    projects = discovery.projects(
        rng["projects"], users, chain_table, sc.projects, start - PROJECT_LEAD_DAYS * DAY_MS, end, 1
    )
    projects, search = discovery.plant_search_answers(rng["search"], projects, sc.search_plants)
    upvote_rows, standing = upvotes.upvotes(
        rng["upvotes"], users, projects, sc.upvotes, start, end, 1, np.empty(0, dtype=np.int64)
    )
    landed.add("upvotes", upvote_rows)
    del upvote_rows  # 5M rows on large: let go like the tables written above
    convs = messaging.conversations(rng["conversations"], users, max(1, sc.messages // 5), start, end, 1, None)
    landed.add("messages", messaging.messages(rng["messages"], users, convs, convs, sc.messages, start, end, 1))
    landed.add(
        "intro_requests",
        messaging.intro_requests(rng["intro_requests"], users, projects, sc.intro_requests, start, end, 1),
    )
    posts = forum.chain_posts(rng["chain_posts"], users, chain_table, sc.chain_posts, start, end, 1)
    landed.add(
        "post_comments", forum.post_comments(rng["post_comments"], users, posts, sc.post_comments, start, end, 1)
    )
    landed.add("nfts", community.nfts_landing(nfts))
    landed.add("users", people.users_landing(users))
    landed.add("projects", discovery.projects_landing(projects))
    landed.add("chains", chain_table.select("chain_id", "name"))
    landed.add("chain_posts", forum.chain_posts_landing(posts))
    landed.add("investors", investors.drop("user_pos"))

    stake_state = staking.initial_state(rng["staking"], sc.operators, sc.epochs, end - sc.epochs * staking.EPOCH_MS)
    epoch_docs = staking.epochs(rng["staking"], stake_state, sc.epochs)

    cadence = sc.days * DAY_MS // sc.snapshots
    first_fetch = start + cadence // 2
    clan_state = clans.initial_state(rng["clans"], sc.members, sc.snapshots, first_fetch, cadence)
    fetches = clans.fetch_schedule(rng["clans"], clan_state, end)
    snaps = clans.snapshots(rng["clans"], clan_state, fetches, force_zero_delta=sc.snapshots >= 5)

    files = dict(sorted(landed.files.items()))
    files["epochs.jsonl"] = write_jsonl(epoch_docs, out / "epochs.jsonl")
    files.update(_write_rosters(out, snaps))

    counters = {
        "nfts": nfts.height,
        "users": users.height,
        "projects": projects.height,
        "conversations": convs.height,
        "chain_posts": posts.height,
        "investors": investors.height,
    }
    counters.update(
        {
            source: landed.rows[source]
            for source in ("votes", "sliders", "fires", "upvotes", "messages", "intro_requests", "post_comments")
        }
    )
    state = {
        "version": STATE_VERSION,
        "scale": scale,
        "seed": int(seed),
        "fmt": fmt,
        "batch": 0,
        "world_start": iso_one(start),
        "window": {"start_ms": start, "end_ms": end, "start": iso_one(start), "end": iso_one(end)},
        "counters": counters,
        "max_time": {source: landed.newest[source] for source in EVENT_TIME_COLUMN},
        "chains": chain_table.to_dicts(),
        "staking": stake_state.to_json(),
        "clans": clan_state,
    }
    _write_truth(out, _truth_tables(nfts, users, projects, convs, posts, standing))
    write_json(search, out / "truth" / "search.json", indent=2)
    write_json(state, out / "truth" / "world.json", indent=1)
    return {"files": files, "seconds": round(time.perf_counter() - started, 3), "bytes": _size(out)}


def _truth_tables(
    nfts: pl.DataFrame,
    users: pl.DataFrame,
    projects: pl.DataFrame,
    convs: pl.DataFrame,
    posts: pl.DataFrame,
    standing: np.ndarray,
) -> dict[str, pl.DataFrame]:
    user_pos, project_pos = upvotes.split_keys(standing)
    return {
        "nfts": nfts.select("nft_id", "quality", "popularity", "created_at_ms"),
        "users": users,
        "projects": projects.select("project_id", "owner_pos", "created_at_ms", "popularity"),
        "conversations": convs,
        "chain_posts": posts.select("post_id", "created_at_ms", "weight"),
        "upvotes_standing": pl.DataFrame({"user_pos": user_pos, "project_pos": project_pos}),
    }


def _size(out: Path) -> int:
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def generate_delta(prior: Path, out: Path, events: int = 10_000, seed: int | None = None, fmt: str = "csv") -> dict:
    """Write the next batch of the world in ``prior`` into ``out`` (which then serves as a prior itself).

    About ``events`` community events (votes/sliders/fires in the scale's proportions) over the time the
    world needs for that many, with ids continuing the prior counters; ~1% occurred before the prior
    batch ended and arrive late. Discovery sources get the same time window at their own rates (new
    users and projects only when created); staking gets the epochs that fit the window (at least one),
    clans the snapshots due in it (at least one). ``seed`` (optional) varies the batch; the same prior,
    events and seed always give the same files.
    """
    started = time.perf_counter()
    prior = Path(prior)
    if Path(out).resolve() == prior.resolve():
        raise ValueError("a delta needs its own folder: out must differ from prior")
    world = json.loads((prior / "truth" / "world.json").read_text(encoding="utf-8"))
    sc: Scale = SCALES[world["scale"]]
    out = _prepare(out, fmt)
    batch = int(world["batch"]) + 1
    rng = _streams(world["seed"], batch, seed)
    truth = {
        name: pl.read_parquet(prior / "truth" / f"{name}.parquet")
        for name in ("nfts", "users", "projects", "conversations", "chain_posts", "upvotes_standing")
    }
    counters = dict(world["counters"])
    history_ms = sc.days * DAY_MS
    t0 = int(world["window"]["end_ms"])
    span = max(int(events / sc.community_events * history_ms), 2 * HOUR_MS)
    t1 = t0 + span
    frac = span / history_ms

    def share(count: int) -> int:
        return int(round(count * frac))

    n_votes = int(round(events * sc.votes / sc.community_events))
    n_sliders = int(round(events * sc.sliders / sc.community_events))
    n_fires = events - n_votes - n_sliders

    landed = _Landed(out, fmt)
    users = truth["users"]
    n_new_users = share(int(sc.users * SIGNED_UP_DURING_HISTORY))
    if n_new_users:
        created = np.sort(t0 + (rng["users"].random(n_new_users) * (span - HOUR_MS)).astype(np.int64))
        new_users = people.make_users(rng["users"], counters["users"] + 1, created, users["handle"])
        users = pl.concat([users, new_users])
        landed.add("users", people.users_landing(new_users))
        counters["users"] += n_new_users

    nft_truth = truth["nfts"]
    landed.add(
        "votes",
        community.votes(rng["votes"], users, nft_truth, n_votes, t0, t1, counters["votes"] + 1, DELTA_LATE_SHARE),
    )
    landed.add(
        "sliders",
        community.sliders(
            rng["sliders"], users, nft_truth, n_sliders, t0, t1, counters["sliders"] + 1, DELTA_LATE_SHARE
        ),
    )
    landed.add(
        "fires",
        community.fires(rng["fires"], users, nft_truth, n_fires, t0, t1, counters["fires"] + 1, DELTA_LATE_SHARE),
    )

    chain_table = pl.DataFrame(world["chains"])
    projects = truth["projects"].with_columns(owner_user_id=users["user_id"].gather(truth["projects"]["owner_pos"]))
    n_new_projects = share(sc.projects)
    if n_new_projects:
        new_projects = discovery.projects(
            rng["projects"], users, chain_table, n_new_projects, t0, t1, counters["projects"] + 1
        )
        landed.add("projects", discovery.projects_landing(new_projects))
        projects = pl.concat([projects, new_projects.select(projects.columns)])
        counters["projects"] += n_new_projects
    standing_table = truth["upvotes_standing"]
    standing = upvotes.pair_keys(standing_table["user_pos"].to_numpy(), standing_table["project_pos"].to_numpy())
    n_upvotes = share(sc.upvotes)
    upvote_rows, standing = upvotes.upvotes(
        rng["upvotes"], users, projects, n_upvotes, t0, t1, counters["upvotes"] + 1, standing
    )
    landed.add("upvotes", upvote_rows)

    convs = truth["conversations"]
    n_messages = share(sc.messages)
    new_convs = messaging.conversations(
        rng["conversations"],
        users,
        min(n_messages, max(1, n_messages // 5)),
        t0,
        t1,
        counters["conversations"] + 1,
        convs,
    )
    convs = pl.concat([convs, new_convs])
    landed.add(
        "messages",
        messaging.messages(rng["messages"], users, convs, new_convs, n_messages, t0, t1, counters["messages"] + 1),
    )
    landed.add(
        "intro_requests",
        messaging.intro_requests(
            rng["intro_requests"], users, projects, share(sc.intro_requests), t0, t1, counters["intro_requests"] + 1
        ),
    )
    posts = truth["chain_posts"]
    n_posts = share(sc.chain_posts)
    if n_posts:
        new_posts = forum.chain_posts(
            rng["chain_posts"], users, chain_table, n_posts, t0, t1, counters["chain_posts"] + 1
        )
        landed.add("chain_posts", forum.chain_posts_landing(new_posts))
        posts = pl.concat([posts, new_posts.select(posts.columns)])
    landed.add(
        "post_comments",
        forum.post_comments(
            rng["post_comments"], users, posts, share(sc.post_comments), t0, t1, counters["post_comments"] + 1
        ),
    )
    counters.update({"conversations": convs.height, "chain_posts": posts.height})
    for source in ("votes", "sliders", "fires", "upvotes", "messages", "intro_requests", "post_comments"):
        counters[source] += landed.rows[source]

    stake_state = staking.StakingState.from_json(world["staking"])
    n_epochs = max(1, (t1 - stake_state.last_timestamp_ms) // staking.EPOCH_MS)
    epoch_docs = staking.epochs(rng["staking"], stake_state, int(n_epochs))

    clan_state = world["clans"]
    fetches = clans.fetch_schedule(rng["clans"], clan_state, t1)
    snaps = clans.snapshots(rng["clans"], clan_state, fetches)

    files = dict(sorted(landed.files.items()))
    files["epochs.jsonl"] = write_jsonl(epoch_docs, out / "epochs.jsonl")
    files.update(_write_rosters(out, snaps))

    max_time = dict(world["max_time"])
    for source in EVENT_TIME_COLUMN:
        if source in landed.newest:
            latest = landed.newest[source]
            if latest is not None and (max_time.get(source) is None or latest > max_time[source]):
                max_time[source] = latest
    state = dict(world)
    state.update(
        {
            "fmt": fmt,
            "batch": batch,
            "delta_seed": seed,
            "events": events,
            "window": {"start_ms": t0, "end_ms": t1, "start": iso_one(t0), "end": iso_one(t1)},
            "counters": counters,
            "max_time": max_time,
            "staking": stake_state.to_json(),
            "clans": clan_state,
        }
    )
    new_truth = _truth_tables(nft_truth, users, projects, convs, posts, standing)
    _write_truth(out, new_truth)
    search_path = prior / "truth" / "search.json"
    if search_path.exists():
        (out / "truth" / "search.json").write_bytes(search_path.read_bytes())
    write_json(state, out / "truth" / "world.json", indent=1)
    return {"files": files, "seconds": round(time.perf_counter() - started, 3), "bytes": _size(out)}
