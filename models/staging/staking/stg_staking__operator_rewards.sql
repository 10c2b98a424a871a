{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['domain_id', 'epoch', 'operator_id'],
    pre_hook="{{ staking_delete_replaced_epochs() }}",
) }}

{#- One row per operator named in the staking summary's `currentOperators` (the active set, with its
    stake) or `currentEpochRewards` (its reward for the epoch). -#}
with documents as (
    {{ staking_new_epoch_documents() }}
),

stakes as (
    {{ json_object_rows('documents', ['domain_id', 'epoch', 'payload_version', 'event_seq'], 'document', ['data', 'domainStakingSummary', 'currentOperators'], 'operator_id_text', 'stake') }}
),

rewards as (
    {{ json_object_rows('documents', ['domain_id', 'epoch', 'payload_version', 'event_seq'], 'document', ['data', 'domainStakingSummary', 'currentEpochRewards'], 'operator_id_text', 'reward') }}
),

members as (
    select
        domain_id,
        epoch,
        payload_version,
        event_seq,
        operator_id_text,
        {{ json_text('stake') }} as current_stake_text,
        cast(null as {{ dbt.type_string() }}) as epoch_reward_text
    from stakes

    union all

    select
        domain_id,
        epoch,
        payload_version,
        event_seq,
        operator_id_text,
        cast(null as {{ dbt.type_string() }}) as current_stake_text,
        {{ json_text('reward') }} as epoch_reward_text
    from rewards
),

per_operator as (
    select
        domain_id,
        epoch,
        operator_id_text,
        max(payload_version) as payload_version,
        max(event_seq) as event_seq,
        count(current_stake_text) as n_stakes,
        max(current_stake_text) as current_stake_text,
        max(epoch_reward_text) as epoch_reward_text
    from members
    group by domain_id, epoch, operator_id_text
)

select
    domain_id,
    epoch,
    {{ staking_integer('operator_id_text') }} as operator_id,
    n_stakes > 0 as is_current,
    {{ uint128_from_text('current_stake_text') }} as current_stake,
    {{ uint128_from_text('epoch_reward_text') }} as epoch_reward,
    payload_version,
    event_seq
from per_operator
