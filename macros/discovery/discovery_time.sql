{#- Seconds since 1970-01-01 of a naive UTC timestamp, as a double (fractions kept). -#}
{% macro discovery_epoch_seconds(timestamp) -%}
    {{ return(adapter.dispatch('discovery_epoch_seconds', 'warehouse')(timestamp)) }}
{%- endmacro %}

{% macro default__discovery_epoch_seconds(timestamp) -%}
    {{ as_double('extract(epoch from ' ~ timestamp ~ ')') }}
{%- endmacro %}

{#- Hours from `start` to `finish` (naive UTC timestamps), as a double. -#}
{% macro discovery_hours_between(start, finish) -%}
    (({{ discovery_epoch_seconds(finish) }} - {{ discovery_epoch_seconds(start) }}) / 3600.0)
{%- endmacro %}

{#- The "now" of the time-relative discovery columns (age_hours, upvotes_24h/7d): the var
    `discovery_reference_at` when set, else `data_clock` (an expression giving the newest event time
    in the data). -#}
{% macro discovery_reference_at(data_clock) -%}
    {%- set fixed = var('discovery_reference_at') -%}
    {%- if fixed is none or fixed == '' -%}
        {{ data_clock }}
    {%- else -%}
        cast('{{ fixed }}' as timestamp)
    {%- endif -%}
{%- endmacro %}
