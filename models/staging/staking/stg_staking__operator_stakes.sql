{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['domain_id', 'epoch', 'operator_id'],
    pre_hook="{{ staking_delete_replaced_epochs() }}",
) }}

{#- One row per entry of `operators.entries` (registered and deregistered operators): its total stake
    and total shares, exact. -#}
with documents as (
    {{ staking_new_epoch_documents() }}
),

elements as (
    {{ json_array_rows('documents', ['domain_id', 'epoch', 'payload_version', 'event_seq'], 'document', ['data', 'operators', 'entries'], 'entry') }}
),

entries as (
    select
        domain_id,
        epoch,
        payload_version,
        event_seq,
        {{ json_text('entry', ['key', 0]) }} as operator_id_text,
        {{ json_text('entry', ['value', 'currentTotalStake']) }} as total_stake_text,
        {{ json_text('entry', ['value', 'currentTotalShares']) }} as total_shares_text
    from elements
)

select
    domain_id,
    epoch,
    {{ staking_integer('operator_id_text') }} as operator_id,
    {{ uint128_from_text('total_stake_text') }} as total_stake,
    {{ uint128_from_text('total_shares_text') }} as total_shares,
    payload_version,
    event_seq
from entries
