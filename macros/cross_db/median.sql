{#- The median of a numeric expression, as an aggregate (nulls ignored; the mean of the two middle values
    for an even count): `percentile_cont` as an ordered-set aggregate where the engine has it, DuckDB's
    own `median`. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'warehouse')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}
