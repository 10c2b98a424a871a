{#- Time as the models see it, as naive UTC timestamps on every engine.

    build_time(): the start of the running dbt invocation (dbt's run_started_at) as a literal — the same
    value in every row and every model one build writes (the `as_of` / `built_at` of a mart).
    utc_now(): the engine's current time in UTC, evaluated by the query. DuckDB (with its bundled ICU) and
    PostgreSQL both accept AT TIME ZONE on a timestamptz; an engine without it gets its own
    `<adapter>__utc_now`. -#}
{% macro build_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'warehouse')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}
