{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['domain_id', 'epoch', 'operator_id'],
    pre_hook="{{ staking_delete_replaced_epochs() }}",
) }}

{#- One row per entry of `operatorEpochSharePrice` (sparse: only operators with a deposit, withdrawal or
    registration in the epoch): the share price as an exact Perquintill. -#}
with documents as (
    {{ staking_new_epoch_documents() }}
),

elements as (
    {{ json_array_rows('documents', ['domain_id', 'epoch', 'payload_version', 'event_seq'], 'document', ['data', 'operatorEpochSharePrice', 'entries'], 'entry') }}
),

entries as (
    select
        domain_id,
        epoch,
        payload_version,
        event_seq,
        {{ json_text('entry', ['key', 0]) }} as operator_id_text,
        {{ json_text('entry', ['key', 1, 0]) }} as priced_domain_id_text,
        {{ json_text('entry', ['key', 1, 1]) }} as priced_epoch_text,
        {{ json_text('entry', ['value']) }} as share_price_text
    from elements
),

typed as (
    select
        domain_id,
        epoch,
        {{ staking_integer('operator_id_text') }} as operator_id,
        {{ uint128_from_text('share_price_text') }} as share_price_perq,
        share_price_text,
        {{ staking_integer('priced_domain_id_text') }} as priced_domain_id,
        {{ staking_integer('priced_epoch_text') }} as priced_epoch,
        payload_version,
        event_seq
    from entries
)

{#- A share price the amount parser accepts but the domain rules out — 0, or above 1e18 (a share price
    of 2^128-1 Perquintill) — stays here, flagged in `quarantine_rule`: ops.quarantined_rows lists it,
    and no intermediate model or mart reads it (quality.md, "Bad data: where each kind stops"). -#}
select
    domain_id,
    epoch,
    operator_id,
    share_price_perq,
    priced_domain_id,
    priced_epoch,
    payload_version,
    event_seq,
    case
        when share_price_perq = {{ uint128_from_text("'0'") }}
            or share_price_perq > {{ uint128_from_text("'" ~ var('staking_max_share_price_perq') ~ "'") }}
            then 'share_price_within_0_and_1e18'
    end as quarantine_rule
from typed
