{#- One row per (domain, epoch, operator) for every operator the epoch's current document names anywhere:
    in `operators.entries` (listed, registered or deregistered), in the staking summary (active set,
    rewards) or in the share-price entries. The staging models hold only the current payload version of
    each epoch, so the parts always come from the same document. A quarantined share price
    (`quarantine_rule` set) is left out: the operator's last good price is carried instead. Incremental
    by epoch (staking_recomputed_epochs): each epoch depends on its own document alone. -#}
with appearances as (
    select domain_id, epoch, operator_id
    from {{ staking_recomputed_rows(ref('stg_staking__operator_stakes')) }} as stakes
    union
    select domain_id, epoch, operator_id
    from {{ staking_recomputed_rows(ref('stg_staking__operator_rewards')) }} as rewards
    union
    select domain_id, epoch, operator_id
    from {{ staking_recomputed_rows(ref('stg_staking__operator_share_prices')) }} as prices
    where quarantine_rule is null
)

select
    appearances.domain_id,
    appearances.epoch,
    appearances.operator_id,
    epochs.ended_at,
    stakes.operator_id is not null as is_listed,
    coalesce(rewards.is_current, false) as is_current,
    attributes.status,
    attributes.nomination_tax,
    stakes.total_stake,
    stakes.total_shares,
    rewards.current_stake,
    rewards.epoch_reward,
    prices.share_price_perq,
    epochs.event_seq
from appearances
inner join {{ staking_recomputed_rows(ref('stg_staking__epochs')) }} as epochs
    on appearances.domain_id = epochs.domain_id
    and appearances.epoch = epochs.epoch
left join {{ staking_recomputed_rows(ref('stg_staking__operator_stakes')) }} as stakes
    on appearances.domain_id = stakes.domain_id
    and appearances.epoch = stakes.epoch
    and appearances.operator_id = stakes.operator_id
left join {{ staking_recomputed_rows(ref('stg_staking__operator_attributes')) }} as attributes
    on appearances.domain_id = attributes.domain_id
    and appearances.epoch = attributes.epoch
    and appearances.operator_id = attributes.operator_id
left join {{ staking_recomputed_rows(ref('stg_staking__operator_rewards')) }} as rewards
    on appearances.domain_id = rewards.domain_id
    and appearances.epoch = rewards.epoch
    and appearances.operator_id = rewards.operator_id
left join (
    select * from {{ staking_recomputed_rows(ref('stg_staking__operator_share_prices')) }} as observed
    where quarantine_rule is null
) as prices
    on appearances.domain_id = prices.domain_id
    and appearances.epoch = prices.epoch
    and appearances.operator_id = prices.operator_id
