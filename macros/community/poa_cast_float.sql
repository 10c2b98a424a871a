{#- A float8 expression on every engine (`double precision`; DuckDB's FLOAT alone is 4 bytes), so that
    ratios of counts never truncate as integer division does on PostgreSQL. -#}
{% macro poa_float(expression) -%}
    cast({{ expression }} as double precision)
{%- endmacro %}
