{{ config(post_hook="{{ staking_create_indexes([['epoch']]) }}") }}

with operator_counts as (
    select
        domain_id,
        epoch,
        count(*) as n_operators,
        count(case when is_listed then 1 end) as n_listed_operators,
        count(case when is_current then 1 end) as n_active_operators,
        count(share_price_perq) as n_observed_share_prices,
        {{ uint128_sum('epoch_reward') }} as total_rewards
    from {{ staking_recomputed_rows(ref('int_operator_epochs_combined')) }} as combined
    group by domain_id, epoch
),

share_prices as (
    select
        domain_id,
        epoch,
        {{ json_object_agg(
            'cast(operator_id as ' ~ dbt.type_string() ~ ')',
            'share_price_perq_text',
            'operator_id',
        ) }} as operator_share_prices_json
    from {{ staking_recomputed_rows(ref('int_operator_share_prices_filled')) }} as filled
    group by domain_id, epoch
)

select
    epochs.domain_id,
    epochs.epoch,
    epochs.ended_at,
    epochs.end_block,
    epochs.end_hash,
    epochs.total_stake,
    {{ as_double('epochs.total_stake') }} as total_stake_double,
    coalesce(operator_counts.n_operators, 0) as n_operators,
    coalesce(operator_counts.n_listed_operators, 0) as n_listed_operators,
    coalesce(operator_counts.n_active_operators, 0) as n_active_operators,
    coalesce(operator_counts.n_observed_share_prices, 0) as n_observed_share_prices,
    operator_counts.total_rewards,
    {{ as_double('operator_counts.total_rewards') }} as total_rewards_double,
    coalesce(share_prices.operator_share_prices_json, {{ json_parse("'{}'") }}) as operator_share_prices_json,
    epochs.payload_version,
    epochs.event_seq
from {{ staking_recomputed_rows(ref('stg_staking__epochs')) }} as epochs
left join operator_counts
    on epochs.domain_id = operator_counts.domain_id
    and epochs.epoch = operator_counts.epoch
left join share_prices
    on epochs.domain_id = share_prices.domain_id
    and epochs.epoch = share_prices.epoch
order by epochs.domain_id, epochs.epoch
