"""The discovery platform's dimensions: chains, projects (with planted search answers) and investors."""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from .clock import DAY_MS, HOUR_MS, iso, sample_times
from .ids import format_ids
from .sampling import active_cdf, draw, pareto_weights
from .text import firm_names, project_texts, rare_words, vocabulary

CHAINS: list[tuple[str, str]] = [
    ("ethereum", "Ethereum"),
    ("solana", "Solana"),
    ("base", "Base"),
    ("arbitrum", "Arbitrum One"),
    ("polygon", "Polygon"),
    ("optimism", "OP Mainnet"),
    ("bnb-chain", "BNB Chain"),
    ("avalanche", "Avalanche"),
    ("sui", "Sui"),
    ("aptos", "Aptos"),
    ("near", "NEAR"),
    ("cosmos-hub", "Cosmos Hub"),
    ("polkadot", "Polkadot"),
    ("autonomys", "Autonomys"),
    ("starknet", "Starknet"),
    ("zksync", "zkSync Era"),
    ("linea", "Linea"),
    ("scroll", "Scroll"),
    ("tezos", "Tezos"),
    ("cardano", "Cardano"),
    ("algorand", "Algorand"),
    ("celo", "Celo"),
    ("mantle", "Mantle"),
    ("fantom", "Fantom"),
]

PROJECT_HISTORY_DAYS = 90


def chains(n: int) -> pl.DataFrame:
    """The first ``n`` chains with Zipf-like popularity (a hidden ``weight`` column)."""
    if n > len(CHAINS):
        raise ValueError(f"at most {len(CHAINS)} chains")
    slugs, names = zip(*CHAINS[:n], strict=True)
    return pl.DataFrame({"chain_id": list(slugs), "name": list(names), "weight": 1.0 / np.arange(1, n + 1) ** 0.9})


def projects(
    rng: np.random.Generator,
    users: pl.DataFrame,
    chain_table: pl.DataFrame,
    n: int,
    t0: int,
    t1: int,
    first_number: int,
) -> pl.DataFrame:
    """Projects created in [t0, t1 - 1 h) by builders (users, weighted by activity^0.5).

    Returns the truth table: landing columns plus created_at_ms, owner_pos, popularity.
    """
    end = t1 - HOUR_MS
    u_created = users["created_at_ms"].to_numpy()
    owner = draw(rng, active_cdf(users["activity"].to_numpy() ** 0.5, u_created, t0, end), n)
    created = np.sort(sample_times(rng, np.maximum(u_created[owner], t0), end))
    chain = draw(rng, np.cumsum(chain_table["weight"].to_numpy()), n)
    chain_names = chain_table["name"].gather(chain)
    name, tagline, description = project_texts(rng, chain_names)
    return pl.DataFrame(
        {
            "project_id": format_ids("projects", np.arange(first_number, first_number + n)),
            "owner_user_id": users["user_id"].gather(owner),
            "chain_id": chain_table["chain_id"].gather(chain),
            "name": name,
            "tagline": tagline,
            "description": description,
            "created_at_ms": created,
            "owner_pos": owner,
            "popularity": pareto_weights(rng, n, alpha=1.2),
        }
    )


def projects_landing(table: pl.DataFrame) -> pl.DataFrame:
    return table.select(
        "project_id",
        "owner_user_id",
        "chain_id",
        "name",
        "tagline",
        "description",
        created_at=iso(table["created_at_ms"]),
    )


def plant_search_answers(rng: np.random.Generator, table: pl.DataFrame, k: int) -> tuple[pl.DataFrame, list[dict]]:
    """Put one invented word into the name, tagline or description of ``k`` projects.

    Each word occurs in exactly one document of the whole world, so that project is the unique best
    match for a query containing it. Returns the updated table and the truth entries.
    """
    k = min(k, table.height)
    rows = np.sort(rng.choice(table.height, size=k, replace=False))
    words = rare_words(rng, k, vocabulary())
    name = table["name"].to_list()
    tagline = table["tagline"].to_list()
    description = table["description"].to_list()
    truth: list[dict] = []
    for i, (row, word) in enumerate(zip(rows.tolist(), words, strict=True)):
        field = ("name", "tagline", "description")[i % 3]
        if field == "name":
            suffix = name[row].split()[-1] if " " in name[row] else "Labs"
            name[row] = f"{word.capitalize()} {suffix}"
        elif field == "tagline":
            tagline[row] = f"{tagline[row]}, powered by {word.capitalize()}"
        else:
            description[row] = f"{description[row]} Under the hood it runs the {word} engine."
        query = word
        if i % 2 == 1:
            common = re.findall(r"[a-z]+", tagline[row].lower())
            common = [w for w in common if w != word and len(w) > 3]
            if common:
                query = f"{word} {common[0]}"
        truth.append({"query": query, "doc_type": "project", "doc_id": table["project_id"][row]})
    updated = table.with_columns(
        pl.Series("name", name), pl.Series("tagline", tagline), pl.Series("description", description)
    )
    return updated, truth


def investors(
    rng: np.random.Generator,
    users: pl.DataFrame,
    chain_table: pl.DataFrame,
    n: int,
    start: int,
    t1: int,
    first_number: int,
) -> pl.DataFrame:
    """Investor directory profiles of ``n`` distinct users; returns landing columns plus ``user_pos``."""
    u_created = users["created_at_ms"].to_numpy()
    eligible = np.flatnonzero(u_created < t1 - DAY_MS)
    weights = users["activity"].to_numpy()[eligible]
    user = np.sort(rng.choice(eligible, size=min(n, eligible.size), replace=False, p=weights / weights.sum()))
    n = user.size
    created = sample_times(rng, np.maximum(u_created[user], start - 60 * DAY_MS), t1)
    order = np.argsort(created, kind="stable")
    user, created = user[order], created[order]
    # focus chains: 1-4 distinct chains, weighted (Gumbel top-k), listed in popularity order
    n_chains = chain_table.height
    keys = np.log(chain_table["weight"].to_numpy())[None, :] + rng.gumbel(size=(n, n_chains))
    top = np.argsort(-keys, axis=1)[:, :4]
    top = np.sort(top, axis=1)
    k = rng.integers(1, 5, n)
    slugs = chain_table["chain_id"].to_numpy()[top]
    focus = pl.Series([s.tolist() for s in slugs], dtype=pl.List(pl.String))
    focus = pl.select(pl.lit(focus).list.head(pl.lit(pl.Series(k))).list.join(";")).to_series()
    check_min = (np.rint(10 ** rng.uniform(4.3, 6.3, n) / 5_000) * 5_000).astype(np.int64)
    check_min = np.maximum(check_min, 5_000)
    check_max = check_min * rng.choice(np.array([2, 3, 4, 5, 10, 20]), n)
    return pl.DataFrame(
        {
            "investor_id": format_ids("investors", np.arange(first_number, first_number + n)),
            "user_id": users["user_id"].gather(user),
            "firm": firm_names(rng, n),
            "focus_chain_ids": focus,
            "check_size_min": check_min,
            "check_size_max": check_max.astype(np.int64),
            "created_at": iso(created),
            "user_pos": user,
        }
    )
