{#- The sparse share-price series forward-filled: one row per epoch in which the operator appears (see
    int_operator_epochs_combined), from its first observed price on. An epoch without an observed price
    carries the operator's last observed price (`is_observed` false). Epochs in which the operator does
    not appear at all (it left, and may return later) get no row, so a returning operator resumes from
    its last observed price — or from its new price, when its return publishes one. -#}
with appearances as (
    select
        domain_id,
        epoch,
        operator_id,
        share_price_perq,
        -- the number of observed prices so far: every row of one run shares the run's observed price
        count(share_price_perq) over (
            partition by domain_id, operator_id
            order by epoch
            rows between unbounded preceding and current row
        ) as price_run
    from {{ ref('int_operator_epochs_combined') }}
),

filled as (
    select
        domain_id,
        epoch,
        operator_id,
        max(share_price_perq) over (partition by domain_id, operator_id, price_run) as share_price_perq,
        min(epoch) over (partition by domain_id, operator_id, price_run) as observed_epoch,
        share_price_perq is not null as is_observed
    from appearances
    where price_run > 0
)

select
    domain_id,
    epoch,
    operator_id,
    share_price_perq,
    {{ uint128_to_text('share_price_perq') }} as share_price_perq_text,
    {{ as_double('share_price_perq') }} / {{ as_double('1e18') }} as share_price,
    is_observed,
    observed_epoch
from filled
