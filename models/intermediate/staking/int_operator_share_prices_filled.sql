{#- The sparse share-price series forward-filled: one row per epoch in which the operator appears (see
    int_operator_epochs_combined), from its first observed price on. An epoch without an observed price
    carries the operator's last observed price (`is_observed` false). Epochs in which the operator does
    not appear at all (it left, and may return later) get no row, so a returning operator resumes from
    its last observed price — or from its new price, when its return publishes one. Incremental by epoch
    (staking_recomputed_epochs): a run starts each operator from its last row before the recomputed
    epochs. -#}
with appearances as (
    select
        domain_id,
        epoch,
        operator_id,
        share_price_perq,
        event_seq,
        -- the number of observed prices so far: every row of one run shares the run's observed price
        count(share_price_perq) over (
            partition by domain_id, operator_id
            order by epoch
            rows between unbounded preceding and current row
        ) as price_run
    from {{ staking_recomputed_rows(ref('int_operator_epochs_combined')) }} as combined
),

carried as (
    {#- each operator's last row before the recomputed epochs, in an incremental run: the price its
        recomputed rows carry until they observe one (price_run 0). None in a full refresh. -#}
    {%- if is_incremental() %}
    select
        previous.domain_id,
        previous.operator_id,
        previous.share_price_perq,
        previous.observed_epoch
    from {{ staking_last_rows_before_recomputed(this) }} as previous
    {%- else %}
    select
        domain_id,
        operator_id,
        share_price_perq,
        epoch as observed_epoch
    from appearances
    where false
    {%- endif %}
),

filled as (
    select
        appearances.domain_id,
        appearances.epoch,
        appearances.operator_id,
        case
            when appearances.price_run = 0 then carried.share_price_perq
            else max(appearances.share_price_perq) over by_run
        end as share_price_perq,
        case
            when appearances.price_run = 0 then carried.observed_epoch
            else min(appearances.epoch) over by_run
        end as observed_epoch,
        appearances.share_price_perq is not null as is_observed,
        appearances.event_seq
    from appearances
    left join carried
        on appearances.domain_id = carried.domain_id
        and appearances.operator_id = carried.operator_id
    where appearances.price_run > 0 or carried.operator_id is not null
    window by_run as (partition by appearances.domain_id, appearances.operator_id, appearances.price_run)
)

select
    domain_id,
    epoch,
    operator_id,
    share_price_perq,
    {{ uint128_to_text('share_price_perq') }} as share_price_perq_text,
    {{ as_double('share_price_perq') }} / {{ as_double('1e18') }} as share_price,
    is_observed,
    observed_epoch,
    event_seq
from filled
