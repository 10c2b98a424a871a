-- Forward-filled share prices never precede an operator's first observed price: each operator's first
-- row is observed, and no row is earlier than the first observed one. Also, every carried price equals
-- the price observed at its `observed_epoch`.
with first_observations as (
    select domain_id, operator_id, min(epoch) as first_observed_epoch
    from {{ ref('operator_share_prices') }}
    where is_observed
    group by domain_id, operator_id
),

first_rows as (
    select domain_id, operator_id, min(epoch) as first_epoch
    from {{ ref('operator_share_prices') }}
    group by domain_id, operator_id
)

select first_rows.domain_id, first_rows.operator_id, 'starts before its first observed price' as problem
from first_rows
left join first_observations
    on first_rows.domain_id = first_observations.domain_id
    and first_rows.operator_id = first_observations.operator_id
where first_observations.first_observed_epoch is null
    or first_rows.first_epoch < first_observations.first_observed_epoch

union all

select filled.domain_id, filled.operator_id, 'carries a price other than the one observed at observed_epoch'
from {{ ref('operator_share_prices') }} as filled
left join {{ ref('operator_share_prices') }} as observed
    on filled.domain_id = observed.domain_id
    and filled.operator_id = observed.operator_id
    and filled.observed_epoch = observed.epoch
    and observed.is_observed
where not filled.is_observed
    and (observed.epoch is null or observed.share_price_perq <> filled.share_price_perq)
