{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['domain_id', 'epoch']) }}

{#- One row per (domain, epoch): the newest payload's header and staking summary. A re-delivered
    changed payload replaces the row (delete+insert on the key). -#}
with documents as (
    {{ staking_new_epoch_documents() }}
),

extracted as (
    {#- the four fields in one extraction: one parse of each document (see json_texts) -#}
    select
        documents.*,
        {{ json_texts('document', [
            ['endBlock'],
            ['endHash'],
            ['data', 'domainStakingSummary', 'currentEpochIndex'],
            ['data', 'domainStakingSummary', 'currentTotalStake'],
        ]) }} as texts
    from documents
)

select
    domain_id,
    epoch,
    epoch_timestamp as ended_at,
    {{ staking_integer('texts[1]') }} as end_block,
    texts[2] as end_hash,
    {{ staking_integer('texts[3]') }} as current_epoch_index,
    {{ uint128_from_text('texts[4]') }} as total_stake,
    payload_version,
    payload_hash,
    event_seq,
    loaded_at
from extracted
