"""The synthetic data generator: landing formats, determinism, referential integrity, realism, deltas."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from warehouse.generate import SCALES, generate_delta, generate_world
from warehouse.generate.amounts import U64_LIMIT, decode_amount, encode_amount

COLUMNS = {
    "nfts": ["nft_id", "collection", "token_id", "name", "created_at"],
    "users": ["user_id", "handle", "created_at"],
    "votes": ["event_id", "user_id", "nft_a", "nft_b", "winner", "vote_type", "occurred_at"],
    "sliders": ["event_id", "user_id", "nft_id", "value", "occurred_at"],
    "fires": ["event_id", "user_id", "nft_id", "occurred_at"],
    "projects": ["project_id", "owner_user_id", "chain_id", "name", "tagline", "description", "created_at"],
    "chains": ["chain_id", "name"],
    "upvotes": ["event_id", "user_id", "project_id", "action", "occurred_at"],
    "messages": ["message_id", "conversation_id", "sender_id", "recipient_id", "body", "sent_at", "read_at"],
    "intro_requests": [
        "request_id",
        "requester_id",
        "target_user_id",
        "project_id",
        "status",
        "created_at",
        "responded_at",
    ],
    "chain_posts": ["post_id", "chain_id", "author_id", "title", "body", "created_at"],
    "post_comments": ["comment_id", "post_id", "author_id", "created_at"],
    "investors": [
        "investor_id",
        "user_id",
        "firm",
        "focus_chain_ids",
        "check_size_min",
        "check_size_max",
        "created_at",
    ],
}
NUMERIC = {("nfts", "token_id"), ("sliders", "value"), ("investors", "check_size_min"), ("investors", "check_size_max")}
TIME_COLUMNS = {
    "nfts": ["created_at"],
    "users": ["created_at"],
    "votes": ["occurred_at"],
    "sliders": ["occurred_at"],
    "fires": ["occurred_at"],
    "projects": ["created_at"],
    "upvotes": ["occurred_at"],
    "messages": ["sent_at", "read_at"],
    "intro_requests": ["created_at", "responded_at"],
    "chain_posts": ["created_at"],
    "post_comments": ["created_at"],
    "investors": ["created_at"],
}
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z?$")
TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.3f"


def read(folder: Path, source: str) -> pl.DataFrame:
    csv = folder / f"{source}.csv"
    if csv.exists():
        return pl.read_csv(csv, infer_schema=False)
    return pl.read_parquet(folder / f"{source}.parquet")


def ts(series: pl.Series) -> pl.Series:
    """Parse the generator's timestamps (with or without the trailing Z) to naive UTC datetimes."""
    return series.str.strip_suffix("Z").str.to_datetime(TS_FORMAT, time_unit="ms")


def within(values: pl.Series, allowed: pl.Series) -> bool:
    return bool(values.is_in(allowed.implode()).all())


def epochs(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "epochs.jsonl").read_text().splitlines()]


def rosters(folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("roster_*.json"))]


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    generate_world("tiny", 11, out)
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_world("small", 5, out)
    return out


@pytest.fixture(scope="module")
def tiny_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny_parquet")
    generate_world("tiny", 11, out, fmt="parquet")
    return out


# --- scales and public interface -------------------------------------------------------------------


def test_scales_match_the_benchmark_table() -> None:
    table = {
        "tiny": (200, 100, 5_000, 1_000, 300, 50, 8, 50, 2_000, 1_000, 10, 20),
        "small": (2_000, 1_000, 50_000, 10_000, 2_000, 500, 16, 500, 20_000, 10_000, 60, 50),
        "standard": (54_312, 20_000, 1_000_000, 200_000, 30_000, 5_000, 64, 5_000, 500_000, 200_000, 365, 50),
        "large": (54_312, 100_000, 10_000_000, 2_000_000, 300_000, 20_000, 128, 20_000, 5_000_000, 2_000_000, 730, 50),
    }
    assert set(SCALES) == set(table)
    for name, row in table.items():
        s = SCALES[name]
        assert (
            s.nfts,
            s.users,
            s.votes,
            s.sliders,
            s.fires,
            s.epochs,
            s.operators,
            s.projects,
            s.upvotes,
            s.messages,
            s.snapshots,
            s.members,
        ) == row


def test_world_reports_files_and_rows(tmp_path: Path) -> None:
    result = generate_world("tiny", 2, tmp_path / "w")
    files = result["files"]
    assert files["votes.csv"] == 5_000 and files["sliders.csv"] == 1_000 and files["fires.csv"] == 300
    assert files["nfts.csv"] == 200 and files["users.csv"] == 100 and files["upvotes.csv"] == 2_000
    assert files["projects.csv"] == 50 and files["messages.csv"] == 1_000 and files["epochs.jsonl"] == 50
    roster_files = {k: v for k, v in files.items() if k.startswith("roster_")}
    assert len(roster_files) == 10 and all(15 <= v <= 25 for v in roster_files.values())
    assert result["seconds"] >= 0 and result["bytes"] > 0
    for name, rows in files.items():
        if name.endswith(".csv"):
            assert read(tmp_path / "w", name[:-4]).height == rows


def test_rejects_unknown_scale_and_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_world("huge", 1, tmp_path)
    with pytest.raises(ValueError, match="fmt"):
        generate_world("tiny", 1, tmp_path, fmt="xlsx")


# --- determinism -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    generate_world("tiny", 42, tmp_path / "a", fmt=fmt)
    generate_world("tiny", 42, tmp_path / "b", fmt=fmt)
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert a == b
    assert len(a) > 20


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate_world("tiny", 1, tmp_path / "a")
    generate_world("tiny", 2, tmp_path / "b")
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    for name in ("votes.csv", "sliders.csv", "upvotes.csv", "messages.csv", "epochs.jsonl", "truth/nfts.parquet"):
        assert a[name] != b[name], name


def test_regenerating_into_a_folder_replaces_the_previous_files(tmp_path: Path) -> None:
    generate_world("tiny", 1, tmp_path, fmt="parquet")
    generate_world("tiny", 2, tmp_path, fmt="csv")
    assert not list(tmp_path.glob("*.parquet"))
    assert len({p.name.split("_")[1] for p in tmp_path.glob("roster_*.json")}) == 1
    assert len(list(tmp_path.glob("roster_*.json"))) == SCALES["tiny"].snapshots


# --- landing formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("world", ["tiny", "tiny_parquet"])
def test_tabular_files_have_exact_columns(world: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(world)
    for source, columns in COLUMNS.items():
        df = read(folder, source)
        assert df.columns == columns, source
        assert df.height > 0, source


def test_csv_quotes_commas_and_quotes(tiny: Path) -> None:
    text = (tiny / "projects.csv").read_text(encoding="utf-8")
    assert '""' in text  # an embedded double quote, escaped by doubling
    projects = read(tiny, "projects")
    assert projects["description"].str.contains(",").any()
    assert projects.height == SCALES["tiny"].projects


def test_parquet_types(tiny_parquet: Path) -> None:
    for source, columns in COLUMNS.items():
        schema = pl.read_parquet_schema(tiny_parquet / f"{source}.parquet")
        for column in columns:
            expected = pl.Int64 if (source, column) in NUMERIC else pl.String
            assert schema[column] == expected, (source, column)


def test_parquet_and_csv_hold_the_same_rows(tiny: Path, tiny_parquet: Path) -> None:
    for source in COLUMNS:
        from_csv = read(tiny, source)
        from_parquet = read(tiny_parquet, source).cast(pl.String)
        assert from_csv.equals(from_parquet), source


def test_timestamps_are_iso_with_milliseconds_and_only_sliders_are_naive(tiny: Path) -> None:
    for source, columns in TIME_COLUMNS.items():
        df = read(tiny, source)
        for column in columns:
            values = df[column].drop_nulls()
            assert values.str.contains(ISO_MS.pattern).all(), (source, column)
            naive = (~values.str.ends_with("Z")).mean()
            if source == "sliders":
                assert 0.05 < naive < 0.15
            else:
                assert naive == 0, (source, column)
    assert read(tiny, "votes")["occurred_at"].str.starts_with("2026-").all()


def test_ids_are_zero_padded_and_unique(tiny: Path) -> None:
    patterns = {
        "nfts": ("nft_id", r"^nft_\d{6}$"),
        "users": ("user_id", r"^u_\d{6}$"),
        "votes": ("event_id", r"^v_\d{8}$"),
        "sliders": ("event_id", r"^s_\d{8}$"),
        "fires": ("event_id", r"^f_\d{8}$"),
        "upvotes": ("event_id", r"^up_\d{8}$"),
        "messages": ("message_id", r"^m_\d{8}$"),
        "intro_requests": ("request_id", r"^ir_\d{7}$"),
        "chain_posts": ("post_id", r"^post_\d{6}$"),
        "post_comments": ("comment_id", r"^pc_\d{7}$"),
        "investors": ("investor_id", r"^inv_\d{5}$"),
        "projects": ("project_id", r"^p_\d{6}$"),
    }
    for source, (column, pattern) in patterns.items():
        ids = read(tiny, source)[column]
        assert ids.str.contains(pattern).all(), source
        assert ids.n_unique() == ids.len(), source
    assert read(tiny, "messages")["conversation_id"].str.contains(r"^c_\d{7}$").all()
    assert read(tiny, "chains")["chain_id"].str.contains(r"^[a-z][a-z0-9-]+$").all()
    assert read(tiny, "users")["handle"].n_unique() == SCALES["tiny"].users


def test_epoch_documents_have_the_staking_shape(tiny: Path) -> None:
    docs = epochs(tiny)
    assert [d["epoch"] for d in docs] == list(range(len(docs)))
    stamps = [datetime.fromisoformat(d["timestamp"]) for d in docs]
    gaps = np.diff([s.timestamp() for s in stamps])
    assert np.all((gaps > 3_500) & (gaps < 3_700))
    assert all(b["endBlock"] > a["endBlock"] for a, b in zip(docs, docs[1:], strict=False))
    for doc in docs:
        assert list(doc) == ["epoch", "domainId", "endBlock", "endHash", "timestamp", "data"]
        assert doc["domainId"] == 0 and re.fullmatch(r"0x[0-9a-f]{64}", doc["endHash"])
        data = doc["data"]
        assert set(data) == {"domainStakingSummary", "operators", "operatorEpochSharePrice"}
        summary = data["domainStakingSummary"]
        assert set(summary) == {"currentEpochIndex", "currentTotalStake", "currentOperators", "currentEpochRewards"}
        assert summary["currentEpochIndex"] == doc["epoch"]
        assert set(summary["currentOperators"]) == set(summary["currentEpochRewards"])
        total = sum(decode_amount(v) for v in summary["currentOperators"].values())
        assert decode_amount(summary["currentTotalStake"]) == total
        listed = {}
        for entry in data["operators"]["entries"]:
            (op,) = entry["key"]
            value = entry["value"]
            assert set(value) == {
                "currentTotalStake",
                "currentTotalShares",
                "nominationTax",
                "minimumNominatorStake",
                "signingKey",
                "partialStatus",
            }
            assert isinstance(op, int) and isinstance(value["nominationTax"], int)
            assert value["partialStatus"] in {"Registered", "Deregistered"}
            assert re.fullmatch(r"0x[0-9a-f]{64}", value["signingKey"])
            listed[str(op)] = value
        registered = {k for k, v in listed.items() if v["partialStatus"] == "Registered"}
        assert registered == set(summary["currentOperators"])
        for op, stake in summary["currentOperators"].items():
            assert decode_amount(stake) == decode_amount(listed[op]["currentTotalStake"])
        for entry in data["operatorEpochSharePrice"]["entries"]:
            op, (domain, epoch) = entry["key"]
            assert domain == 0 and epoch == doc["epoch"] and str(op) in registered
            assert 10**18 <= decode_amount(entry["value"]) < 2 * 10**18


def test_amounts_use_all_three_forms_and_exceed_u64(small: Path) -> None:
    seen: dict[tuple[str, bool], int] = {}

    def visit(raw: int | str) -> None:
        value = decode_amount(raw)
        kind = "number" if isinstance(raw, int) else ("hex" if raw.startswith("0x") else "comma")
        if kind == "number":
            assert value < U64_LIMIT
        if kind == "comma":
            assert re.fullmatch(r"\d{1,3}(,\d{3})*", raw)
        seen[(kind, value >= U64_LIMIT)] = seen.get((kind, value >= U64_LIMIT), 0) + 1

    for doc in epochs(small):
        summary = doc["data"]["domainStakingSummary"]
        visit(summary["currentTotalStake"])
        for raw in [*summary["currentOperators"].values(), *summary["currentEpochRewards"].values()]:
            visit(raw)
        for entry in doc["data"]["operators"]["entries"]:
            for key in ("currentTotalStake", "currentTotalShares", "minimumNominatorStake"):
                visit(entry["value"][key])
        for entry in doc["data"]["operatorEpochSharePrice"]["entries"]:
            visit(entry["value"])
    for form in (("number", False), ("comma", False), ("hex", False), ("comma", True), ("hex", True)):
        assert seen.get(form, 0) > 0, form
    assert ("number", True) not in seen


def test_amount_forms_round_trip_exactly() -> None:
    rng = np.random.default_rng(0)
    values = [0, 1, 10**18, U64_LIMIT - 1, U64_LIMIT, U64_LIMIT + 1, 2**128 - 1, 1_250_000_000_000_000_000]
    values += [int(rng.integers(0, 2**62)) * int(rng.integers(1, 2**62)) for _ in range(200)]
    for value in values:
        for u in (0.1, 0.85, 0.97, 0.3, 0.7):
            assert decode_amount(encode_amount(value, u)) == value
    assert encode_amount(1_250_000_000_000_000_000, 0.9) == "1,250,000,000,000,000,000"
    assert encode_amount(20_000_000_000_000_000_000, 0.9) == "0x1158e460913d00000"
    assert json.loads(json.dumps(encode_amount(U64_LIMIT - 1, 0.0))) == U64_LIMIT - 1
    with pytest.raises(ValueError):
        encode_amount(2**128, 0.0)


def test_roster_snapshots_have_both_shapes(small: Path) -> None:
    files = sorted(small.glob("roster_*.json"))
    assert len(files) == SCALES["small"].snapshots
    docs = rosters(small)
    tag = docs[0]["clanTag"]
    old = [("league" in d["items"][0]) for d in docs]
    assert old[: int(0.4 * len(docs))] == [True] * int(0.4 * len(docs))
    assert old[-1] is False and sum(old) == round(0.4 * len(docs))
    for path, doc in zip(files, docs, strict=True):
        assert set(doc) == {"clanTag", "fetchedAt", "items"} and doc["clanTag"] == tag
        stamp = datetime.fromisoformat(doc["fetchedAt"]).strftime("%Y%m%dT%H%M%SZ")
        assert path.name == f"roster_{tag.lstrip('#')}_{stamp}.json"
        ranks = [m["clanRank"] for m in doc["items"]]
        assert ranks == list(range(1, len(ranks) + 1))
        for m in doc["items"]:
            assert m["role"] in {"member", "admin", "coLeader", "leader"}
            if "league" in m:
                assert "versusTrophies" in m and "leagueTier" not in m and "builderBaseTrophies" not in m
            else:
                assert {"leagueTier", "builderBaseTrophies", "builderBaseLeague"} <= set(m)
                assert "versusTrophies" not in m
            for unit in m.get("heroes", []) + m.get("troops", []):
                assert 1 <= unit["level"] <= unit["maxLevel"]
                assert unit["village"] in {"home", "builderBase"}
        assert sum(m["role"] == "leader" for m in doc["items"]) == 1
    assert any("heroes" in d["items"][0] for d in docs)
    assert any("heroes" not in d["items"][0] for d in docs)


def test_rosters_change_like_a_real_clan(small: Path) -> None:
    docs = rosters(small)
    zero_deltas = sum(a["items"] == b["items"] for a, b in zip(docs, docs[1:], strict=False))
    assert 1 <= zero_deltas <= len(docs) // 4
    members = [{m["tag"]: m for m in d["items"]} for d in docs]
    joined = left = rejoined = role_changes = 0
    ever: set[str] = set()
    for before, after in zip(members, members[1:], strict=False):
        joined += len(after.keys() - before.keys())
        left += len(before.keys() - after.keys())
        rejoined += len((after.keys() - before.keys()) & ever)
        role_changes += sum(before[t]["role"] != after[t]["role"] for t in before.keys() & after.keys())
        ever |= before.keys()
    assert joined > 0 and left > 0 and rejoined > 0 and role_changes > 0
    sizes = [len(m) for m in members]
    assert min(sizes) >= 35 and max(sizes) <= 55
    # donations grow within a season and reset when a new month starts
    resets = grows = 0
    for a, b, ma, mb in zip(docs, docs[1:], members, members[1:], strict=False):
        common = ma.keys() & mb.keys()
        new_month = a["fetchedAt"][:7] != b["fetchedAt"][:7]
        drops = sum(mb[t]["donations"] < ma[t]["donations"] for t in common)
        if new_month:
            resets += drops > len(common) // 2
        elif a["items"] != b["items"]:
            assert drops == 0
            grows += sum(mb[t]["donations"] > ma[t]["donations"] for t in common) > 0
    assert resets >= 2 and grows > 0


# --- referential integrity and invariants --------------------------------------------------------------


def test_community_references_and_invariants(tiny: Path) -> None:
    nfts, users = read(tiny, "nfts"), read(tiny, "users")
    votes, sliders, fires = read(tiny, "votes"), read(tiny, "sliders"), read(tiny, "fires")
    nft_ids, user_ids = nfts["nft_id"], users["user_id"]
    for df, cols in ((votes, ["nft_a", "nft_b", "winner"]), (sliders, ["nft_id"]), (fires, ["nft_id"])):
        assert within(df["user_id"], user_ids)
        for col in cols:
            assert within(df[col], nft_ids)
    assert (votes["nft_a"] != votes["nft_b"]).all()
    assert ((votes["winner"] == votes["nft_a"]) | (votes["winner"] == votes["nft_b"])).all()
    assert set(votes["vote_type"].unique()) == {"normal", "super"}
    values = sliders["value"].cast(pl.Int64)
    assert values.min() >= 0 and values.max() <= 100
    # nobody acts before signing up, and no NFT is rated before it was minted
    created_user = users.select("user_id", user_at=ts(users["created_at"]))
    created_nft = nfts.select("nft_id", nft_at=ts(nfts["created_at"]))
    for df, col in ((votes, "nft_a"), (votes, "nft_b"), (sliders, "nft_id"), (fires, "nft_id")):
        joined = (
            df.with_columns(at=ts(df["occurred_at"]))
            .join(created_user, on="user_id")
            .join(created_nft, left_on=col, right_on="nft_id")
        )
        assert (joined["at"] >= joined["user_at"]).all() and (joined["at"] >= joined["nft_at"]).all()
    assert nfts["token_id"].cast(pl.Int64).min() >= 1
    assert (nfts["name"] == nfts["collection"] + " #" + nfts["token_id"]).all()


def test_discovery_references_and_invariants(tiny: Path) -> None:
    users, chains, projects = read(tiny, "users"), read(tiny, "chains"), read(tiny, "projects")
    user_ids = users["user_id"]
    assert within(projects["owner_user_id"], user_ids) and within(projects["chain_id"], chains["chain_id"])

    upvotes = read(tiny, "upvotes")
    assert within(upvotes["user_id"], user_ids) and within(upvotes["project_id"], projects["project_id"])
    assert set(upvotes["action"].unique()) == {"up", "remove"}
    seq = (
        upvotes.with_columns(at=ts(upvotes["occurred_at"]))
        .sort("at", "event_id")
        .with_columns(rank=pl.int_range(pl.len()).over("user_id", "project_id"))
    )
    # per (user, project): up, remove, up, remove, ... in time order
    assert ((seq["rank"] % 2 == 0) == (seq["action"] == "up")).all()

    messages = read(tiny, "messages")
    assert within(messages["sender_id"], user_ids) and within(messages["recipient_id"], user_ids)
    assert (messages["sender_id"] != messages["recipient_id"]).all()
    participants = pl.concat(
        [messages.select("conversation_id", u="sender_id"), messages.select("conversation_id", u="recipient_id")]
    )
    assert (participants.group_by("conversation_id").agg(pl.col("u").n_unique())["u"] == 2).all()
    pairs = messages.select(
        "conversation_id",
        a=pl.min_horizontal("sender_id", "recipient_id"),
        b=pl.max_horizontal("sender_id", "recipient_id"),
    ).unique()
    assert pairs.select("a", "b").n_unique() == pairs.height  # one conversation per pair of users
    read_rows = messages.filter(pl.col("read_at").is_not_null())
    assert (ts(read_rows["read_at"]) >= ts(read_rows["sent_at"])).all()
    assert 0 < messages["read_at"].null_count() < messages.height * 0.3
    assert messages["body"].str.contains('"').any() and not messages["body"].str.contains("\n").any()

    intros = read(tiny, "intro_requests")
    assert set(intros["status"].unique()) <= {"requested", "accepted", "declined"}
    assert ((intros["status"] == "requested") == intros["responded_at"].is_null()).all()
    answered = intros.filter(pl.col("responded_at").is_not_null())
    assert (ts(answered["responded_at"]) >= ts(answered["created_at"])).all()
    assert within(intros["project_id"], projects["project_id"])
    owners = intros.join(projects, on="project_id")
    assert (owners["requester_id"] == owners["owner_user_id"]).all()
    assert (intros["requester_id"] != intros["target_user_id"]).all()

    posts, comments = read(tiny, "chain_posts"), read(tiny, "post_comments")
    assert within(posts["chain_id"], chains["chain_id"]) and within(posts["author_id"], user_ids)
    assert within(comments["post_id"], posts["post_id"]) and within(comments["author_id"], user_ids)
    joined = comments.join(posts.select("post_id", post_at="created_at"), on="post_id")
    assert (ts(joined["created_at"]) >= ts(joined["post_at"])).all()

    # nothing happens before the users and projects involved exist
    signed_up = users.select("user_id", user_at=ts(users["created_at"]))
    launched = projects.select("project_id", project_at=ts(projects["created_at"]))
    for df, user_col, at_col in (
        (upvotes, "user_id", "occurred_at"),
        (messages, "sender_id", "sent_at"),
        (messages, "recipient_id", "sent_at"),
        (intros, "target_user_id", "created_at"),
        (comments, "author_id", "created_at"),
    ):
        joined = df.with_columns(at=ts(df[at_col])).join(signed_up, left_on=user_col, right_on="user_id")
        assert joined.height == df.height and (joined["at"] >= joined["user_at"]).all(), (user_col, at_col)
    for df, at_col in ((upvotes, "occurred_at"), (intros, "created_at")):
        joined = df.with_columns(at=ts(df[at_col])).join(launched, on="project_id")
        assert (joined["at"] >= joined["project_at"]).all()

    investors = read(tiny, "investors")
    assert within(investors["user_id"], user_ids) and investors["user_id"].n_unique() == investors.height
    assert (investors["check_size_min"].cast(pl.Int64) <= investors["check_size_max"].cast(pl.Int64)).all()
    focus = pl.Series(";".join(investors["focus_chain_ids"].to_list()).split(";"))
    assert within(focus, chains["chain_id"])


def test_search_truth_words_occur_in_exactly_one_document(small: Path) -> None:
    truth = json.loads((small / "truth" / "search.json").read_text())
    assert len(truth) == SCALES["small"].search_plants
    projects = read(small, "projects")
    texts = pl.concat_str([projects["name"], projects["tagline"], projects["description"]], separator=" ")
    others = " ".join(
        read(small, "chain_posts")["title"].to_list()
        + read(small, "chain_posts")["body"].to_list()
        + read(small, "messages")["body"].to_list()
        + read(small, "investors")["firm"].to_list()
        + read(small, "users")["handle"].to_list()
    ).lower()
    for item in truth:
        assert set(item) == {"query", "doc_type", "doc_id"} and item["doc_type"] == "project"
        rare = item["query"].split()[0]
        hits = projects.filter(texts.str.to_lowercase().str.contains(rf"\b{rare}\b"))["project_id"].to_list()
        assert hits == [item["doc_id"]]
        assert rare not in others


def test_truth_files(small: Path) -> None:
    nfts = pl.read_parquet(small / "truth" / "nfts.parquet")
    users = pl.read_parquet(small / "truth" / "users.parquet")
    assert {"nft_id", "quality"} <= set(nfts.columns) and nfts.height == SCALES["small"].nfts
    assert {"user_id", "activity", "slider_bias", "slider_noise", "is_contrarian"} <= set(users.columns)
    assert abs(nfts["quality"].mean()) < 0.1 and 0.9 < nfts["quality"].std() < 1.1
    assert 0.03 < users["is_contrarian"].mean() < 0.07
    world = json.loads((small / "truth" / "world.json").read_text())
    assert world["scale"] == "small" and world["seed"] == 5 and world["batch"] == 0
    assert world["counters"]["votes"] == SCALES["small"].votes


# --- realism ----------------------------------------------------------------------------------------


def test_activity_is_heavy_tailed(small: Path) -> None:
    votes = read(small, "votes")
    per_user = votes["user_id"].value_counts()["count"].sort(descending=True)
    top = int(0.1 * SCALES["small"].users)
    assert per_user.head(top).sum() / votes.height > 0.4
    per_nft = pl.concat([votes["nft_a"], votes["nft_b"]]).value_counts()["count"].sort(descending=True)
    assert per_nft.head(int(0.1 * SCALES["small"].nfts)).sum() / per_nft.sum() > 0.3


def test_higher_quality_wins_more_often(small: Path) -> None:
    votes = read(small, "votes")
    quality = pl.read_parquet(small / "truth" / "nfts.parquet").select("nft_id", "quality")
    appearances = pl.concat(
        [
            votes.select(nft_id="nft_a", won=pl.col("winner") == pl.col("nft_a")),
            votes.select(nft_id="nft_b", won=pl.col("winner") == pl.col("nft_b")),
        ]
    )
    rates = (
        appearances.group_by("nft_id")
        .agg(n=pl.len(), rate=pl.col("won").mean())
        .filter(pl.col("n") >= 10)
        .join(quality, on="nft_id")
    )
    assert rates.height > 500
    assert rates.select(pl.corr("quality", "rate", method="spearman")).item() > 0.5
    # contrarian users mostly pick the worse NFT
    users = pl.read_parquet(small / "truth" / "users.parquet").select("user_id", "is_contrarian")
    q = dict(zip(quality["nft_id"], quality["quality"], strict=True))
    picked_better = (
        votes.with_columns(
            better=pl.when(pl.col("nft_a").replace_strict(q) > pl.col("nft_b").replace_strict(q))
            .then(pl.col("nft_a"))
            .otherwise(pl.col("nft_b"))
        )
        .with_columns(ok=pl.col("winner") == pl.col("better"))
        .join(users, on="user_id")
    )
    by_kind = picked_better.group_by("is_contrarian").agg(pl.col("ok").mean())
    rate = dict(zip(by_kind["is_contrarian"], by_kind["ok"], strict=True))
    assert rate[False] > 0.65 and rate[True] < 0.4


def test_sliders_and_fires_follow_quality(small: Path) -> None:
    quality = pl.read_parquet(small / "truth" / "nfts.parquet").select("nft_id", "quality")
    sliders = read(small, "sliders").with_columns(pl.col("value").cast(pl.Int64)).join(quality, on="nft_id")
    assert sliders.select(pl.corr("value", "quality")).item() > 0.5
    assert 40 < sliders["value"].mean() < 70
    fires = read(small, "fires").join(quality, on="nft_id")
    assert fires["quality"].mean() > 0.5


def test_super_votes_are_about_five_percent(small: Path) -> None:
    share = (read(small, "votes")["vote_type"] == "super").mean()
    assert 0.035 < share < 0.065


def test_daily_cycle_peaks_in_the_evening(small: Path) -> None:
    hours = ts(read(small, "votes")["occurred_at"]).dt.hour().value_counts().sort("count", descending=True)
    assert hours["occurred_at"][0] in range(17, 24)
    counts = dict(zip(hours["occurred_at"], hours["count"], strict=True))
    assert counts[hours["occurred_at"][0]] > 3 * counts[5]


def test_events_arrive_late_so_file_order_differs_from_occurrence(small: Path) -> None:
    for source in ("votes", "sliders", "fires", "upvotes"):
        df = read(small, source)
        at = ts(df["occurred_at"])
        behind = at < at.cum_max().shift(1)
        assert behind.any(), source
        assert (df["event_id"].sort() == df["event_id"]).all()  # files are in arrival (id) order
    votes = read(small, "votes")
    at = ts(votes["occurred_at"])
    hours_late = (at.cum_max() - at).dt.total_minutes() / 60
    late = (hours_late > 1).mean()
    assert 0.005 < late < 0.03


def test_staking_operators_come_go_and_return(small: Path) -> None:
    docs = epochs(small)
    present = [set(d["data"]["domainStakingSummary"]["currentOperators"]) for d in docs]
    appeared = set().union(*(b - a for a, b in zip(present, present[1:], strict=False)))
    departed = set().union(*(a - b for a, b in zip(present, present[1:], strict=False)))
    assert appeared and departed
    returned = [
        op
        for op in departed
        if any(
            op in p
            for i, p in enumerate(present)
            if i > min(j for j, q in enumerate(present) if op in q) and op not in present[i - 1]
        )
    ]
    assert returned
    totals = [decode_amount(d["data"]["domainStakingSummary"]["currentTotalStake"]) for d in docs]
    assert totals[-1] > totals[0]
    priced = sum(len(d["data"]["operatorEpochSharePrice"]["entries"]) for d in docs[1:])
    cells = sum(len(p) for p in present[1:])
    assert 0.03 < priced / cells < 0.3  # sparse share prices
    last_price: dict[int, int] = {}
    for doc in docs:  # an operator's share price never falls
        for entry in doc["data"]["operatorEpochSharePrice"]["entries"]:
            op, price = entry["key"][0], decode_amount(entry["value"])
            assert price >= last_price.get(op, 0)
            last_price[op] = price


# --- deltas -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("delta")
    generate_world("small", 9, root / "w")
    generate_delta(root / "w", root / "d1", events=2_000)
    generate_delta(root / "d1", root / "d2", events=2_000, fmt="parquet")
    return root / "w", root / "d1", root / "d2"


def test_delta_has_the_requested_events_in_the_scale_proportions(chain: tuple[Path, Path, Path]) -> None:
    _, d1, _ = chain
    n = {s: read(d1, s).height for s in ("votes", "sliders", "fires")}
    assert sum(n.values()) == 2_000
    scale = SCALES["small"]
    assert abs(n["votes"] / 2_000 - scale.votes / scale.community_events) < 0.01
    for source in ("upvotes", "messages"):
        assert read(d1, source).height > 0
    for source, columns in COLUMNS.items():
        if (d1 / f"{source}.csv").exists():
            assert read(d1, source).columns == columns


def test_delta_ids_continue_without_collisions(chain: tuple[Path, Path, Path]) -> None:
    keys = {
        "votes": "event_id",
        "sliders": "event_id",
        "fires": "event_id",
        "upvotes": "event_id",
        "messages": "message_id",
        "intro_requests": "request_id",
        "post_comments": "comment_id",
        "users": "user_id",
        "projects": "project_id",
        "chain_posts": "post_id",
    }
    for source, key in keys.items():
        batches = [
            read(folder, source)[key]
            for folder in chain
            if (folder / f"{source}.csv").exists() or (folder / f"{source}.parquet").exists()
        ]
        assert len(batches) == 3, source
        numbers = [b.str.extract(r"(\d+)$").cast(pl.Int64) for b in batches]
        for before, after in zip(numbers, numbers[1:], strict=False):
            assert after.min() == before.max() + 1, source
        combined = pl.concat(batches)
        assert combined.n_unique() == combined.len(), source


def test_delta_events_follow_the_prior_batch_with_a_few_late(chain: tuple[Path, Path, Path]) -> None:
    for prior, delta in zip(chain, chain[1:], strict=False):
        prior_max = ts(read(prior, "votes")["occurred_at"]).max()
        at = ts(read(delta, "votes")["occurred_at"])
        before = (at < prior_max).mean()
        assert 0.002 < before < 0.03
        assert (at >= prior_max - timedelta(hours=49)).all()


def test_delta_references_resolve_against_all_batches(chain: tuple[Path, Path, Path]) -> None:
    users = pl.concat([read(f, "users") for f in chain])["user_id"]
    nfts = read(chain[0], "nfts")["nft_id"]
    projects = pl.concat([read(f, "projects") for f in chain])["project_id"]
    for folder in chain[1:]:
        assert not (folder / "nfts.csv").exists() and not (folder / "nfts.parquet").exists()
        votes = read(folder, "votes")
        assert within(votes["user_id"], users) and within(votes["winner"], nfts)
        assert within(votes["nft_a"], nfts) and within(votes["nft_b"], nfts)
        upvotes = read(folder, "upvotes")
        assert within(upvotes["project_id"], projects) and within(upvotes["user_id"], users)
        messages = read(folder, "messages")
        assert within(messages["sender_id"], users)
    # remove/up alternation holds across batches
    upvotes = pl.concat([read(f, "upvotes") for f in chain])
    seq = (
        upvotes.with_columns(at=ts(upvotes["occurred_at"]))
        .sort("at", "event_id")
        .with_columns(rank=pl.int_range(pl.len()).over("user_id", "project_id"))
    )
    assert ((seq["rank"] % 2 == 0) == (seq["action"] == "up")).all()
    # a conversation keeps its two participants across batches
    messages = pl.concat([read(f, "messages") for f in chain])
    participants = pl.concat(
        [messages.select("conversation_id", u="sender_id"), messages.select("conversation_id", u="recipient_id")]
    )
    assert (participants.group_by("conversation_id").agg(pl.col("u").n_unique())["u"] == 2).all()


def test_delta_continues_epochs_and_rosters(chain: tuple[Path, Path, Path]) -> None:
    numbers = [[d["epoch"] for d in epochs(f)] for f in chain]
    for before, after in zip(numbers, numbers[1:], strict=False):
        assert after and after[0] == before[-1] + 1 and after == list(range(after[0], after[0] + len(after)))
    stamps = [[r["fetchedAt"] for r in rosters(f)] for f in chain]
    tags = {r["clanTag"] for f in chain for r in rosters(f)}
    assert len(tags) == 1
    for before, after in zip(stamps, stamps[1:], strict=False):
        assert after and min(after) > max(before)
    assert all("leagueTier" in r["items"][0] for r in rosters(chain[1]))


def test_delta_state_chains(chain: tuple[Path, Path, Path]) -> None:
    worlds = [json.loads((f / "truth" / "world.json").read_text()) for f in chain]
    assert [w["batch"] for w in worlds] == [0, 1, 2]
    assert worlds[1]["window"]["start_ms"] == worlds[0]["window"]["end_ms"]
    assert worlds[2]["counters"]["votes"] > worlds[1]["counters"]["votes"] > worlds[0]["counters"]["votes"]
    assert (chain[2] / "truth" / "search.json").read_text() == (chain[0] / "truth" / "search.json").read_text()


def test_delta_needs_its_own_folder(chain: tuple[Path, Path, Path]) -> None:
    with pytest.raises(ValueError, match="own folder"):
        generate_delta(chain[2], chain[2])


def test_delta_is_deterministic(tmp_path: Path, chain: tuple[Path, Path, Path]) -> None:
    world = chain[0]
    generate_delta(world, tmp_path / "a", events=500)
    generate_delta(world, tmp_path / "b", events=500)
    generate_delta(world, tmp_path / "c", events=500, seed=7)
    a, b, c = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert a == b
    assert a["votes.csv"] != c["votes.csv"]
