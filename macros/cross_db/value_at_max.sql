{#- As an aggregate: `value` on the row with the largest `key` of the group (`key` unique within a group):
    DuckDB's arg_max, which keeps one value per group; elsewhere the first of the values ordered by `key`
    descending. Where a join back to the row of max(key) would hold every row of the input for the join. -#}
{% macro value_at_max(value, key) -%}
    {{ return(adapter.dispatch('value_at_max', 'warehouse')(value, key)) }}
{%- endmacro %}

{% macro default__value_at_max(value, key) -%}
    (array_agg({{ value }} order by {{ key }} desc))[1]
{%- endmacro %}

{% macro duckdb__value_at_max(value, key) -%}
    arg_max({{ value }}, {{ key }})
{%- endmacro %}
