{#- `ref` and `source` as the models see them: on DuckDB without the catalog (database) part, so a view
    or a stored query names `staging.stg_x`, not `"warehouse"."staging"."stg_x"`, and a copied or renamed
    warehouse file (whose catalog is named after the file) still answers every relation. PostgreSQL
    keeps the database part (a connection only ever sees its own database). -#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {{ return(relation_in_this_warehouse(relation)) }}
{%- endmacro %}

{% macro source() -%}
    {%- set relation = builtins.source(*varargs, **kwargs) -%}
    {{ return(relation_in_this_warehouse(relation)) }}
{%- endmacro %}

{% macro relation_in_this_warehouse(relation) -%}
    {%- if target.type == 'duckdb' and relation is not none and relation.include is defined -%}
        {{ return(relation.include(database=false)) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
