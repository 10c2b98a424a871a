{#- Helpers of the discovery reconciliation tests (tests/dbt/discovery), which recompute the marts from
    the raw tables directly, not from staging. -#}

{#- The newest version of every row of a raw dimension table (latest loaded_at, then source_position). -#}
{% macro discovery_raw_newest_dimension(table, key) -%}
(
    select *
    from (
        select
            raw_rows.*,
            row_number() over (
                partition by {{ key }} order by loaded_at desc, source_position desc, row_hash desc
            ) as raw_version_rank
        from {{ source('discovery' if table != 'users' else 'community', table) }} as raw_rows
    ) as raw_versions
    where raw_version_rank = 1
)
{%- endmacro %}

{#- The newest version (largest event_seq) of every row of a raw event table, per `key` (a column list). -#}
{% macro discovery_raw_newest_event(table, key) -%}
(
    select *
    from (
        select
            raw_rows.*,
            row_number() over (partition by {{ key }} order by event_seq desc) as raw_version_rank
        from {{ source('discovery', table) }} as raw_rows
    ) as raw_versions
    where raw_version_rank = 1
)
{%- endmacro %}
