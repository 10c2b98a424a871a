"""The Elo step (scoring.md §1, §3): one row per vote, rated in event_seq order.

A thin wrapper: the math is warehouse.ratings.elo (unit-tested against openskill), the reading of the
batch and of the previous state is warehouse.ratings.steps. Parameters come from dbt vars through this
model's config (see _community__models.yml). Incremental: only votes newer than this table are read;
the state they start from is the latest row per NFT and per voter in int_nfts_rated and
int_voters_assessed (built from this table after each run), never a rescan of the history.
"""

from warehouse.ratings.elo import EloParams
from warehouse.ratings.steps import elo_step, state_tables


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="event_seq", incremental_strategy="delete+insert")
    params = EloParams.from_config(dbt.config.get("step_vars"))
    state = state_tables(dbt, dbt.config.meta_get("reads_state_from"))
    return elo_step(
        session,
        dbt.ref("stg_community__votes"),
        params,
        this=str(dbt.this) if dbt.is_incremental else None,
        nft_state=state["int_nfts_rated"],
        voter_state=state["int_voters_assessed"],
    )
