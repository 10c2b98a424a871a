"""The Elo step (scoring.md §1, §3): one row per vote, rated in event_seq order.

A thin wrapper: the math is warehouse.ratings.elo (unit-tested against openskill), the reading of the
batch and of the previous state is warehouse.ratings.steps. Parameters come from dbt vars through this
model's config (see _community__models.yml). Incremental: only votes newer than this table are read;
the state they start from is the latest row per NFT and per voter in int_nfts_rated and
int_voters_assessed (built from this table after each run), never a rescan of the history.
"""

from warehouse.ratings.elo import EloParams
from warehouse.ratings.steps import as_bool, as_float, elo_step


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="event_seq", incremental_strategy="delete+insert")
    params = EloParams(
        mu=as_float("poa_elo_mu", dbt.config.get("poa_elo_mu")),
        sigma=as_float("poa_elo_sigma", dbt.config.get("poa_elo_sigma")),
        beta=as_float("poa_elo_beta", dbt.config.get("poa_elo_beta")),
        tau=as_float("poa_elo_tau", dbt.config.get("poa_elo_tau")),
        kappa=as_float("poa_elo_kappa", dbt.config.get("poa_elo_kappa")),
        weight_normal=as_float("poa_vote_weight_normal", dbt.config.get("poa_vote_weight_normal")),
        weight_super=as_float("poa_vote_weight_super", dbt.config.get("poa_vote_weight_super")),
        reliability_weighting=as_bool("poa_reliability_weighting", dbt.config.get("poa_reliability_weighting")),
        multiplier_offset=as_float(
            "poa_reliability_multiplier_offset", dbt.config.get("poa_reliability_multiplier_offset")
        ),
        multiplier_min=as_float("poa_reliability_multiplier_min", dbt.config.get("poa_reliability_multiplier_min")),
        multiplier_max=as_float("poa_reliability_multiplier_max", dbt.config.get("poa_reliability_multiplier_max")),
        alpha0=as_float("poa_reliability_alpha0", dbt.config.get("poa_reliability_alpha0")),
        beta0=as_float("poa_reliability_beta0", dbt.config.get("poa_reliability_beta0")),
        decay=as_float("poa_reliability_decay", dbt.config.get("poa_reliability_decay")),
    )
    schema = f'"{dbt.this.database}"."{dbt.this.schema}"'
    return elo_step(
        session,
        dbt.ref("stg_community__votes"),
        params,
        this=str(dbt.this) if dbt.is_incremental else None,
        nft_state=f"{schema}.int_nfts_rated",
        voter_state=f"{schema}.int_voters_assessed",
    )
