{#- Median of a numeric expression (an aggregate; nulls ignored; the mean of the two middle values for
    an even count). -#}
{% macro discovery_median(expression) -%}
    {{ return(adapter.dispatch('discovery_median', 'warehouse')(expression)) }}
{%- endmacro %}

{% macro default__discovery_median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__discovery_median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro postgres__discovery_median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}
