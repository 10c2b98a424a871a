{#- `expression` as an 8-byte float on every engine (`double precision`; DuckDB's FLOAT alone is 4 bytes),
    so that ratios of counts never truncate as integer division does on PostgreSQL, and so that an exact
    128-bit amount has a companion pandas and BI tools read (`<amount>_double`, ~16 significant digits). -#}
{% macro as_double(expression) -%}
    cast({{ expression }} as double precision)
{%- endmacro %}
