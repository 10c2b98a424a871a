{#- The time the ops queue measures publication age against, as a naive UTC timestamp: `as_of` (ISO text,
    from var poa_as_of, which a model must read itself so that unit tests can override it) when given,
    otherwise the engine's current time in UTC. -#}
{% macro poa_as_of(as_of=none) -%}
    {%- if as_of -%}
        {{ return("cast('" ~ as_of ~ "' as timestamp)") }}
    {%- else -%}
        {{ return(adapter.dispatch('poa_utc_now', 'warehouse')()) }}
    {%- endif -%}
{%- endmacro %}

{#- Current time as a naive UTC timestamp. DuckDB (with its bundled ICU) and PostgreSQL both accept
    AT TIME ZONE on a timestamptz; an engine without it gets its own `<adapter>__poa_utc_now`. -#}
{% macro poa_utc_now() -%}
    {{ return(adapter.dispatch('poa_utc_now', 'warehouse')()) }}
{%- endmacro %}

{% macro default__poa_utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- The build's start time (dbt's run_started_at, UTC) as a naive timestamp literal: the same value for
    every row one build writes. -#}
{% macro poa_build_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
