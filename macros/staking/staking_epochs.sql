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
    column lists; an index the table already has (an incremental run's) is not created again. DuckDB
    answers the marts' lookups from ordered storage and zone maps instead. -#}
{% macro staking_create_indexes(indexes) -%}
    {{ return(adapter.dispatch('staking_create_indexes', 'warehouse')(indexes)) }}
{%- endmacro %}

{% macro default__staking_create_indexes(indexes) -%}{%- endmacro %}

{% macro postgres__staking_create_indexes(indexes) -%}
    {%- set indexed = [] -%}
    {%- if execute -%}
        {%- set existing = run_query(
            "select indexdef from pg_indexes where schemaname = '" ~ this.schema
            ~ "' and tablename = '" ~ this.identifier ~ "'") -%}
        {%- for row in existing.rows -%}
            {#- "CREATE INDEX name ON schema.table USING btree (a, b)" -#}
            {%- do indexed.append(row[0].rsplit('(', 1)[1].rstrip(')')) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for columns in indexes if columns | join(', ') not in indexed -%}
        {{ get_create_index_sql(this, {'columns': columns}) }}{{ ';' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- The models downstream of staking staging (the intermediates and the epoch marts) are incremental by
    epoch. A run recomputes, per domain, every epoch from the earliest one whose document landed since the
    model's last run (the epoch's `event_seq` past the model's mark, `since_last_run`): a new epoch is
    appended, and a changed older epoch is recomputed with every later one, since the forward fill and
    the epoch-over-epoch growth carry it forward. Every such model keeps its epoch's `event_seq` as its mark
    and is delete+insert on (domain_id, epoch), with `staking_delete_recomputed_epochs` as its pre-hook.
    An epoch recomputed into no rows (its new document lists nobody the model keeps) leaves the model's
    mark behind, so later runs recompute it again; cheap for the newest epochs, whole for an older one. -#}
{% macro staking_recomputed_epochs() -%}
    select
        domain_id as recomputed_domain_id,
        min(epoch) as from_epoch
    from {{ ref('stg_staking__epochs') }}
    where {{ since_last_run('event_seq') }}
    group by domain_id
{%- endmacro %}


{#- `relation` in a full refresh; in an incremental run, only its rows of the epochs this run recomputes
    (a subquery, to be aliased). The model depends on stg_staking__epochs either way (dbt learns a model's
    dependencies as it parses, outside an incremental run). -#}
{% macro staking_recomputed_rows(relation) -%}
    {%- do ref('stg_staking__epochs') -%}
    {%- if is_incremental() -%}
        (
            select recomputed_rows.*
            from {{ relation }} as recomputed_rows
            inner join ({{ staking_recomputed_epochs() }}) as recomputed
                on recomputed_rows.domain_id = recomputed.recomputed_domain_id
                and recomputed_rows.epoch >= recomputed.from_epoch
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of the models above: deletes every epoch the run recomputes, so that an epoch recomputed
    into fewer rows (or none) loses the others. A no-op in a full refresh. -#}
{% macro staking_delete_recomputed_epochs() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        using ({{ staking_recomputed_epochs() }}) as recomputed
        where domain_id = recomputed.recomputed_domain_id
        and epoch >= recomputed.from_epoch
    {%- endif -%}
{%- endmacro %}


{#- In an incremental run: each operator's last row of `relation` before the epochs the run recomputes —
    where a forward fill or an epoch-over-epoch comparison resumes. `condition`: the rows that count
    (columns of `earlier`). A subquery, to be aliased. -#}
{% macro staking_last_rows_before_recomputed(relation, condition='true') -%}
    (
        select last_rows.*
        from {{ relation }} as last_rows
        inner join (
            select
                earlier.domain_id,
                earlier.operator_id,
                max(earlier.epoch) as epoch
            from {{ relation }} as earlier
            inner join ({{ staking_recomputed_epochs() }}) as recomputed
                on earlier.domain_id = recomputed.recomputed_domain_id
                and earlier.epoch < recomputed.from_epoch
            where {{ condition }}
            group by earlier.domain_id, earlier.operator_id
        ) as last_epochs
            on last_rows.domain_id = last_epochs.domain_id
            and last_rows.operator_id = last_epochs.operator_id
            and last_rows.epoch = last_epochs.epoch
    )
{%- endmacro %}
