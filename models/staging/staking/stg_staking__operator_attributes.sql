{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['domain_id', 'epoch', 'operator_id'],
    pre_hook="{{ staking_delete_replaced_epochs() }}",
) }}

{#- One row per entry of `operators.entries`: the operator's settings and status in that epoch. -#}
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
        {{ json_text('entry', ['value', 'nominationTax']) }} as nomination_tax_text,
        {{ json_text('entry', ['value', 'minimumNominatorStake']) }} as minimum_nominator_stake_text,
        {{ json_text('entry', ['value', 'signingKey']) }} as signing_key,
        {{ json_text('entry', ['value', 'partialStatus']) }} as status
    from elements
)

select
    domain_id,
    epoch,
    {{ staking_integer('operator_id_text') }} as operator_id,
    status,
    {{ staking_integer('nomination_tax_text', 'integer') }} as nomination_tax,
    {{ uint128_from_text('minimum_nominator_stake_text') }} as minimum_nominator_stake,
    signing_key,
    payload_version,
    event_seq
from entries
