{#- Exact schema names (raw, staging, intermediate, marts, ops, snapshots) on every target.
    A target whose name starts with "dev" prefixes them with the target schema, so developers
    can share a database without sharing tables. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set schema = custom_schema_name if custom_schema_name is not none else target.schema -%}
    {%- if target.name.startswith('dev') and custom_schema_name is not none -%}
        {{ target.schema }}_{{ schema | trim }}
    {%- else -%}
        {{ schema | trim }}
    {%- endif -%}
{%- endmacro %}
