{#- The epoch documents a staking staging model processes in this run: every (domain, epoch) landed
    since the model's last run (high-water mark on `event_seq`), in its newest payload version only,
    with the payload as a JSON document (column `document`, see `json_document`). A full refresh reads every
    landed epoch. -#}
{% macro staking_new_epoch_documents() -%}
    select
        domain_id,
        epoch,
        epoch_timestamp,
        payload_version,
        payload_hash,
        event_seq,
        loaded_at,
        {{ json_document('payload') }} as document
    from {{ source('staking', 'epochs') }}
    {# the newest payload of each epoch, picked by its event_seq (unique) before any payload is read: a window
       over the landed rows would hold all their payloads at once #}
    where event_seq in (
        select max(event_seq)
        from {{ source('staking', 'epochs') }}
        where {{ since_last_run('event_seq') }}
        group by domain_id, epoch
    )
{%- endmacro %}


{#- Pre-hook of the per-operator staging models: in an incremental run, deletes the rows of every epoch
    that has a newer payload to process, so the newer version replaces the older one whole — including
    operators (or all entries) that the newer version no longer lists. Runs in the model's transaction;
    a no-op in a full refresh. -#}
{% macro staking_delete_replaced_epochs() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where (domain_id, epoch) in (
            select domain_id, epoch
            from {{ source('staking', 'epochs') }}
            where {{ since_last_run('event_seq') }}
        )
    {%- endif -%}
{%- endmacro %}


{#- Post-hook: the indexes of a mart, where the engine has them (PostgreSQL). `indexes` is a list of
    column lists. DuckDB answers the marts' lookups from ordered storage and zone maps instead. -#}
{% macro staking_create_indexes(indexes) -%}
    {{ return(adapter.dispatch('staking_create_indexes', 'warehouse')(indexes)) }}
{%- endmacro %}

{% macro default__staking_create_indexes(indexes) -%}{%- endmacro %}

{% macro postgres__staking_create_indexes(indexes) -%}
    {%- for columns in indexes -%}
        {{ get_create_index_sql(this, {'columns': columns}) }}{{ ';' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
