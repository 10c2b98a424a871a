{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['domain_id', 'epoch']) }}

{#- One row per (domain, epoch): the newest payload's header and staking summary. A re-delivered
    changed payload replaces the row (delete+insert on the key). -#}
with documents as (
    {{ staking_new_epoch_documents() }}
),

extracted as (
    select
        domain_id,
        epoch,
        epoch_timestamp,
        payload_version,
        payload_hash,
        event_seq,
        loaded_at,
        {{ json_texts('document', [
            ['endBlock'],
            ['endHash'],
            ['data', 'domainStakingSummary', 'currentEpochIndex'],
            ['data', 'domainStakingSummary', 'currentTotalStake'],
        ]) }} as texts
    from documents
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
        texts[1] as end_block_text,
        texts[2] as end_hash,
        texts[3] as current_epoch_index_text,
        texts[4] as total_stake_text
    from extracted
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
