{#- Rows that landed (the loaders accepted them) but that a domain rule rules out, kept in staging and out
    of every mart (quality.md, "Bad data: where each kind stops"): one row per quarantined staging row,
    with the rule it breaks, its value as text and the load run that landed it. A build stays green;
    `warehouse status` counts them per source. -#}
with share_prices as (
    select
        'epochs' as source,
        'stg_staking__operator_share_prices' as relation,
        {{ dbt.concat(["cast(prices.domain_id as " ~ dbt.type_string() ~ ")", "'/'",
                       "cast(prices.epoch as " ~ dbt.type_string() ~ ")", "'/'",
                       "cast(prices.operator_id as " ~ dbt.type_string() ~ ")"]) }} as row_key,
        prices.quarantine_rule as rule,
        {{ uint128_to_text('prices.share_price_perq') }} as value,
        epochs.run_id,
        epochs.loaded_at
    from {{ ref('stg_staking__operator_share_prices') }} as prices
    left join {{ source('staking', 'epochs') }} as epochs
        on epochs.domain_id = prices.domain_id
        and epochs.epoch = prices.epoch
        and epochs.payload_version = prices.payload_version
    where prices.quarantine_rule is not null
)

select source, relation, row_key, rule, value, run_id, loaded_at
from share_prices
