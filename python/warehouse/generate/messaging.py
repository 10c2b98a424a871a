"""Direct messages in two-person conversations, and intro requests."""

from __future__ import annotations

import numpy as np
import polars as pl

from .clock import DAY_MS, MINUTE_MS, iso, sample_times
from .ids import format_ids
from .sampling import active_cdf, draw, pareto_weights, unique_first
from .text import message_bodies

MESSAGES_PER_CONVERSATION = 5
NEVER_READ_SHARE = 0.04
READ_DELAY_MEDIAN_MS = 20 * MINUTE_MS
INTRO_PENDING_SHARE = 0.08
INTRO_ACCEPT_SHARE = 0.6
INVESTOR_TARGET_SHARE = 0.6


def conversations(
    rng: np.random.Generator,
    users: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
    existing: pl.DataFrame | None,
) -> pl.DataFrame:
    """``n`` new conversations (distinct unordered user pairs, not already talking) started in [t0, t1).

    Columns: conversation_number, user_a, user_b (positions; ``a`` wrote first), started_at_ms, weight.
    """
    u_created = users["created_at_ms"].to_numpy()
    end = t1 - MINUTE_MS
    activity = users["activity"].to_numpy()
    cdf_a = active_cdf(activity, u_created, t0, end)
    cdf_b = active_cdf(activity**0.7 + 4.0 * users["is_investor"].to_numpy(), u_created, t0, end)
    taken = np.empty(0, dtype=np.int64)
    if existing is not None and existing.height:
        ea, eb = existing["user_a"].to_numpy(), existing["user_b"].to_numpy()
        taken = np.sort((np.minimum(ea, eb) << 32) | np.maximum(ea, eb))
    a_out: list[np.ndarray] = []
    b_out: list[np.ndarray] = []
    have = 0
    for _ in range(12):
        need = n - have
        if need <= 0:
            break
        m = int(need * 1.3) + 16
        a = draw(rng, cdf_a, m)
        b = draw(rng, cdf_b, m)
        ok = (a != b) & (np.maximum(u_created[a], u_created[b]) < end)
        a, b = a[ok], b[ok]
        key = (np.minimum(a, b) << 32) | np.maximum(a, b)
        first = unique_first(key)
        a, b, key = a[first], b[first], key[first]
        fresh = ~np.isin(key, taken)
        a, b, key = a[fresh][:need], b[fresh][:need], key[fresh][:need]
        a_out.append(a)
        b_out.append(b)
        taken = np.union1d(taken, key)
        have += a.size
    a = np.concatenate(a_out) if a_out else np.empty(0, np.int64)
    b = np.concatenate(b_out) if b_out else np.empty(0, np.int64)
    started = sample_times(rng, np.maximum(np.maximum(u_created[a], u_created[b]), t0), end)
    order = np.argsort(started, kind="stable")
    return pl.DataFrame(
        {
            "conversation_number": np.arange(first_number, first_number + a.size, dtype=np.int64),
            "user_a": a[order],
            "user_b": b[order],
            "started_at_ms": started[order],
            "weight": pareto_weights(rng, a.size, alpha=1.3),
        }
    )


def messages(
    rng: np.random.Generator,
    users: pl.DataFrame,
    convs: pl.DataFrame,
    new_convs: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
) -> pl.DataFrame:
    """``n`` messages in [t0, t1): one opening each new conversation, the rest across all of ``convs``.

    ``read_at`` is null when the recipient has not read it by ``t1`` (or never will).
    """
    n_open = min(new_convs.height, n)
    start_all = convs["started_at_ms"].to_numpy()
    cdf = active_cdf(convs["weight"].to_numpy(), start_all, t0, t1 - MINUTE_MS)
    conv_rest = draw(rng, cdf, n - n_open)
    sent_rest = sample_times(rng, np.maximum(start_all[conv_rest], t0), t1)
    first_pos = new_convs["conversation_number"].to_numpy()[:n_open] - convs["conversation_number"][0]
    conv = np.concatenate([first_pos, conv_rest])
    sent = np.concatenate([start_all[first_pos], sent_rest])
    from_a = np.concatenate([np.ones(n_open, dtype=bool), rng.random(n - n_open) < 0.55])
    ua, ub = convs["user_a"].to_numpy()[conv], convs["user_b"].to_numpy()[conv]
    sender = np.where(from_a, ua, ub)
    recipient = np.where(from_a, ub, ua)
    delay = rng.lognormal(np.log(READ_DELAY_MEDIAN_MS), 1.8, n).astype(np.int64)
    read = sent + delay
    unread = (read >= t1) | (rng.random(n) < NEVER_READ_SHARE)
    order = np.argsort(sent, kind="stable")
    return pl.DataFrame(
        {
            "message_id": format_ids("messages", np.arange(first_number, first_number + n)),
            "conversation_id": format_ids("conversations", convs["conversation_number"].to_numpy()[conv[order]]),
            "sender_id": users["user_id"].gather(sender[order]),
            "recipient_id": users["user_id"].gather(recipient[order]),
            "body": message_bodies(rng, n),
            "sent_at": iso(sent[order]),
            "read_at": iso(read[order], missing=unread[order]),
        }
    )


def intro_requests(
    rng: np.random.Generator, users: pl.DataFrame, projects: pl.DataFrame, n: int, t0: int, t1: int, first_number: int
) -> pl.DataFrame:
    """Builders asking (mostly) investors for an intro about their project; status as of ``t1``."""
    u_created = users["created_at_ms"].to_numpy()
    p_created = projects["created_at_ms"].to_numpy()
    end = t1 - MINUTE_MS
    project = draw(rng, active_cdf(projects["popularity"].to_numpy(), p_created, t0, end), n)
    requester = projects["owner_pos"].to_numpy()[project]
    investors = np.flatnonzero(users["is_investor"].to_numpy())
    ucdf = active_cdf(users["activity"].to_numpy(), u_created, t0, end)
    target = draw(rng, ucdf, n)
    to_investor = rng.random(n) < (INVESTOR_TARGET_SHARE if investors.size else 0.0)
    if investors.size:
        target = np.where(to_investor, investors[rng.integers(0, investors.size, n)], target)
    for _ in range(25):
        bad = np.flatnonzero((target == requester) | (u_created[target] >= end))
        if bad.size == 0:
            break
        target[bad] = draw(rng, ucdf, bad.size)
    lo = np.maximum.reduce(
        [u_created[target], u_created[requester], p_created[project], np.full(n, t0, dtype=np.int64)]
    )
    keep = (target != requester) & (lo < end)
    project, requester, target, lo = project[keep], requester[keep], target[keep], lo[keep]
    n = project.size
    created = sample_times(rng, lo, end)
    accepted = rng.random(n) < INTRO_ACCEPT_SHARE
    responded = created + rng.lognormal(np.log(DAY_MS), 1.0, n).astype(np.int64)
    pending = (responded >= t1) | (rng.random(n) < INTRO_PENDING_SHARE)
    status = np.where(pending, "requested", np.where(accepted, "accepted", "declined"))
    order = np.argsort(created, kind="stable")
    return pl.DataFrame(
        {
            "request_id": format_ids("intro_requests", np.arange(first_number, first_number + n)),
            "requester_id": users["user_id"].gather(requester[order]),
            "target_user_id": users["user_id"].gather(target[order]),
            "project_id": projects["project_id"].gather(project[order]),
            "status": pl.Series(status[order]),
            "created_at": iso(created[order]),
            "responded_at": iso(responded[order], missing=pending[order]),
        }
    )
