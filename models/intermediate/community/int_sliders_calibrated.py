"""The Welford step (scoring.md §2): one row per slider, z-scored against the user's shrunk statistics
before the event, in event_seq order.

A thin wrapper: the math is warehouse.ratings.welford (unit-tested against numpy), the reading of the
batch and of the stored state is warehouse.ratings.steps. Parameters come from dbt vars through this
model's config. Incremental: only sliders newer than this table are read; each user's stored state
(int_users_calibrated) is merged with the batch's by Chan's formula, never recomputed from history.
"""

from warehouse.ratings.steps import state_tables, welford_step
from warehouse.ratings.welford import SliderPrior


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="event_seq", incremental_strategy="delete+insert")
    prior = SliderPrior.from_config(dbt.config.get("step_vars"))
    state = state_tables(dbt, dbt.config.meta_get("reads_state_from"))
    return welford_step(
        session,
        dbt.ref("stg_community__sliders"),
        prior,
        this=str(dbt.this) if dbt.is_incremental else None,
        user_state=state["int_users_calibrated"],
    )
