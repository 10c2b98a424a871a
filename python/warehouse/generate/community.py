"""The community (NFT art scoring) domain: NFTs with hidden quality, votes, sliders and FIREs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .clock import DAY_MS, HOUR_MS, arrival_times, iso, sample_times
from .ids import format_ids
from .sampling import active_cdf, draw, draw_existing, draw_existing_pairs, pareto_weights
from .text import collection_names

SUPER = "super"
NORMAL = "normal"
NAIVE_SLIDER_SHARE = 0.10
SLIDER_QUALITY_GAIN = 15.0
FIRE_QUALITY_TILT = 1.2
LATE_WINDOW_MS = 48 * HOUR_MS


def make_nfts(rng: np.random.Generator, n: int, n_collections: int, start: int, days: int) -> pl.DataFrame:
    """NFTs in collections of Zipf-like sizes; 75% of collections minted before ``start``.

    Returns the truth table: landing columns plus created_at_ms, quality (standard normal) and popularity.
    """
    weights = 1.0 / np.arange(1, n_collections + 1) ** 0.7
    sizes = np.maximum(np.floor(weights / weights.sum() * n).astype(np.int64), 1)
    sizes[0] += n - sizes.sum()
    names = collection_names(rng, n_collections)
    before = rng.random(n_collections) < 0.75
    before[0] = True
    age_days = rng.uniform(3, 365, n_collections)
    age_days[0] = rng.uniform(60, 365)
    mint = np.where(
        before,
        start - (age_days * DAY_MS).astype(np.int64),
        start + (rng.uniform(0, 0.7 * days, n_collections) * DAY_MS).astype(np.int64),
    )
    coll = np.repeat(np.arange(n_collections), sizes)
    token = np.concatenate([np.arange(1, s + 1) for s in sizes])
    offsets = np.sort(rng.random(n)) * 2 * DAY_MS
    created = mint[coll] + offsets.astype(np.int64)
    # token ids follow mint order inside a collection
    order = np.lexsort((created, coll))
    created = created[order]
    quality = rng.normal(0.0, 1.0, n)
    popularity = pareto_weights(rng, n, alpha=1.4) * np.exp(0.3 * quality)
    collection = pl.Series(names, dtype=pl.String).gather(coll)
    return pl.DataFrame(
        {
            "nft_id": format_ids("nfts", np.arange(1, n + 1)),
            "collection": collection,
            "token_id": token.astype(np.int64),
            "name": pl.select(
                pl.concat_str([pl.lit(collection), pl.lit(" #"), pl.lit(pl.Series(token).cast(pl.String))])
            ).to_series(),
            "created_at_ms": created,
            "quality": quality,
            "popularity": popularity,
        }
    )


def nfts_landing(nfts: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "nft_id": nfts["nft_id"],
            "collection": nfts["collection"],
            "token_id": nfts["token_id"],
            "name": nfts["name"],
            "created_at": iso(nfts["created_at_ms"]),
        }
    )


@dataclass(frozen=True)
class Actors:
    """Who acted, when it occurred, and when it arrived; rows not yet in arrival order."""

    user: np.ndarray
    occurred: np.ndarray
    arrived: np.ndarray


def draw_actors(
    rng: np.random.Generator, users: pl.DataFrame, n: int, t0: int, t1: int, before_share: float = 0.0
) -> Actors:
    """``n`` (user, time) draws in [t0, t1); a ``before_share`` occurred up to 48 h before t0 and arrive late."""
    created = users["created_at_ms"].to_numpy()
    activity = users["activity"].to_numpy()
    n_before = int(round(n * before_share))
    n_main = n - n_before
    cdf = active_cdf(activity, created, t0, t1)
    user = draw(rng, cdf, n_main)
    occurred = sample_times(rng, np.maximum(created[user], t0), t1)
    arrived = arrival_times(rng, occurred)
    if n_before:
        b0 = t0 - LATE_WINDOW_MS
        cdf_b = active_cdf(activity, created, b0, t0)
        user_b = draw(rng, cdf_b, n_before)
        occ_b = sample_times(rng, np.maximum(created[user_b], b0), t0)
        arr_b = t0 + (rng.random(n_before) * min(6 * HOUR_MS, t1 - t0)).astype(np.int64)
        user = np.concatenate([user, user_b])
        occurred = np.concatenate([occurred, occ_b])
        arrived = np.concatenate([arrived, arr_b])
    return Actors(user, occurred, arrived)


def _fallback(nfts: pl.DataFrame, at: int) -> np.ndarray:
    pool = np.flatnonzero(nfts["created_at_ms"].to_numpy() <= at)
    if pool.size < 2:
        raise ValueError("at least two NFTs must exist before the window starts")
    return pool


def _in_arrival_order(actors: Actors) -> np.ndarray:
    return np.argsort(actors.arrived, kind="stable")


def votes(
    rng: np.random.Generator,
    users: pl.DataFrame,
    nfts: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
    before_share: float = 0.0,
) -> pl.DataFrame:
    """Pairwise votes; the winner follows Bradley-Terry on hidden quality, sharpened or flipped per user."""
    actors = draw_actors(rng, users, n, t0, t1, before_share)
    created = nfts["created_at_ms"].to_numpy()
    cdf = np.cumsum(nfts["popularity"].to_numpy())
    a, b = draw_existing_pairs(rng, cdf, created, actors.occurred, _fallback(nfts, t0 - LATE_WINDOW_MS))
    quality = nfts["quality"].to_numpy()
    discrimination = users["discrimination"].to_numpy()[actors.user]
    logit = 1.2 * discrimination * (quality[a] - quality[b])
    logit = np.where(users["is_contrarian"].to_numpy()[actors.user], -logit, logit)
    a_wins = rng.random(actors.user.size) < 1.0 / (1.0 + np.exp(-logit))
    is_super = rng.random(actors.user.size) < users["super_rate"].to_numpy()[actors.user]
    order = _in_arrival_order(actors)
    nft_ids = nfts["nft_id"]
    winner = np.where(a_wins, a, b)
    return pl.DataFrame(
        {
            "event_id": format_ids("votes", np.arange(first_number, first_number + n)),
            "user_id": users["user_id"].gather(actors.user[order]),
            "nft_a": nft_ids.gather(a[order]),
            "nft_b": nft_ids.gather(b[order]),
            "winner": nft_ids.gather(winner[order]),
            "vote_type": pl.Series(np.where(is_super[order], SUPER, NORMAL)),
            "occurred_at": iso(actors.occurred[order]),
        }
    )


def sliders(
    rng: np.random.Generator,
    users: pl.DataFrame,
    nfts: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
    before_share: float = 0.0,
) -> pl.DataFrame:
    """0-100 ratings: 50 + 15 * quality + user bias + user noise, rounded and clipped; ~10% naive timestamps."""
    actors = draw_actors(rng, users, n, t0, t1, before_share)
    created = nfts["created_at_ms"].to_numpy()
    cdf = np.cumsum(nfts["popularity"].to_numpy())
    nft = draw_existing(rng, cdf, created, actors.occurred, _fallback(nfts, t0 - LATE_WINDOW_MS))
    quality = nfts["quality"].to_numpy()[nft]
    bias = users["slider_bias"].to_numpy()[actors.user]
    noise = users["slider_noise"].to_numpy()[actors.user]
    value = np.clip(np.rint(50.0 + SLIDER_QUALITY_GAIN * quality + bias + noise * rng.normal(size=n)), 0, 100)
    naive = rng.random(n) < NAIVE_SLIDER_SHARE
    order = _in_arrival_order(actors)
    return pl.DataFrame(
        {
            "event_id": format_ids("sliders", np.arange(first_number, first_number + n)),
            "user_id": users["user_id"].gather(actors.user[order]),
            "nft_id": nfts["nft_id"].gather(nft[order]),
            "value": value[order].astype(np.int64),
            "occurred_at": iso(actors.occurred[order], naive=naive),
        }
    )


def fires(
    rng: np.random.Generator,
    users: pl.DataFrame,
    nfts: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
    before_share: float = 0.0,
) -> pl.DataFrame:
    """FIREs (strong endorsements), tilted towards high-quality NFTs."""
    actors = draw_actors(rng, users, n, t0, t1, before_share)
    created = nfts["created_at_ms"].to_numpy()
    weights = nfts["popularity"].to_numpy() * np.exp(FIRE_QUALITY_TILT * nfts["quality"].to_numpy())
    nft = draw_existing(rng, np.cumsum(weights), created, actors.occurred, _fallback(nfts, t0 - LATE_WINDOW_MS))
    order = _in_arrival_order(actors)
    return pl.DataFrame(
        {
            "event_id": format_ids("fires", np.arange(first_number, first_number + n)),
            "user_id": users["user_id"].gather(actors.user[order]),
            "nft_id": nfts["nft_id"].gather(nft[order]),
            "occurred_at": iso(actors.occurred[order]),
        }
    )
