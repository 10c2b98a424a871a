"""Chain forum posts and their comments."""

from __future__ import annotations

import numpy as np
import polars as pl

from .clock import DAY_MS, MINUTE_MS, iso, sample_times
from .ids import format_ids
from .sampling import active_cdf, draw, pareto_weights
from .text import post_texts


def chain_posts(
    rng: np.random.Generator,
    users: pl.DataFrame,
    chain_table: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
) -> pl.DataFrame:
    """Posts in [t0, t1); landing columns plus ``created_at_ms`` and a hidden comment ``weight``."""
    u_created = users["created_at_ms"].to_numpy()
    end = t1 - MINUTE_MS
    author = draw(rng, active_cdf(users["activity"].to_numpy(), u_created, t0, end), n)
    created = np.sort(sample_times(rng, np.maximum(u_created[author], t0), end))
    chain = draw(rng, np.cumsum(chain_table["weight"].to_numpy()), n)
    title, body = post_texts(rng, chain_table["name"].gather(chain))
    return pl.DataFrame(
        {
            "post_id": format_ids("chain_posts", np.arange(first_number, first_number + n)),
            "chain_id": chain_table["chain_id"].gather(chain),
            "author_id": users["user_id"].gather(author),
            "title": title,
            "body": body,
            "created_at_ms": created,
            "weight": pareto_weights(rng, n, alpha=1.3),
        }
    )


def chain_posts_landing(posts: pl.DataFrame) -> pl.DataFrame:
    return posts.select("post_id", "chain_id", "author_id", "title", "body", created_at=iso(posts["created_at_ms"]))


def post_comments(
    rng: np.random.Generator, users: pl.DataFrame, posts: pl.DataFrame, n: int, t0: int, t1: int, first_number: int
) -> pl.DataFrame:
    """Comments in [t0, t1) on posts that exist by then, by users who exist by then."""
    u_created = users["created_at_ms"].to_numpy()
    p_created = posts["created_at_ms"].to_numpy()
    end = t1 - MINUTE_MS
    post = draw(rng, active_cdf(posts["weight"].to_numpy(), p_created, t0, end), n)
    author = draw(rng, active_cdf(users["activity"].to_numpy(), u_created, t0, end), n)
    # most comments come within days of the post; the author must exist by then
    lo = np.maximum(np.maximum(p_created[post], u_created[author]), t0)
    soon = rng.random(n) < 0.7
    hi = np.where(soon, np.minimum(end, lo + ((rng.exponential(3.0, n) + 0.05) * DAY_MS).astype(np.int64)), end)
    created = sample_times(rng, lo, np.maximum(hi, lo + 1))
    order = np.argsort(created, kind="stable")
    return pl.DataFrame(
        {
            "comment_id": format_ids("post_comments", np.arange(first_number, first_number + n)),
            "post_id": posts["post_id"].gather(post[order]),
            "author_id": users["user_id"].gather(author[order]),
            "created_at": iso(created[order]),
        }
    )
