{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['domain_id', 'epoch']) }}

{#- One row per (domain, epoch): the newest payload's header and staking summary. A re-delivered
    changed payload replaces the row (delete+insert on the key). -#}
with documents as (
    {{ staking_new_epoch_documents() }}
),

fields as (
    select
        domain_id,
        epoch,
        epoch_timestamp,
        payload_version,
        payload_hash,
        event_seq,
        loaded_at,
        {{ json_text('document', ['endBlock']) }} as end_block_text,
        {{ json_text('document', ['endHash']) }} as end_hash,
        {{ json_text('document', ['data', 'domainStakingSummary', 'currentEpochIndex']) }} as current_epoch_index_text,
        {{ json_text('document', ['data', 'domainStakingSummary', 'currentTotalStake']) }} as total_stake_text
    from documents
)

select
    domain_id,
    epoch,
    epoch_timestamp as ended_at,
    {{ staking_integer('end_block_text') }} as end_block,
    end_hash,
    {{ staking_integer('current_epoch_index_text') }} as current_epoch_index,
    {{ uint128_from_text('total_stake_text') }} as total_stake,
    payload_version,
    payload_hash,
    event_seq,
    loaded_at
from fields
