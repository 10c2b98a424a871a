{#- Analyst access (operations.md): the role of var `analyst_role` exists (NOLOGIN, created here if missing)
    before any model applies its `grants`; analysts log in as their own roles, members of it. DuckDB has no
    roles, so there it is nothing. -#}
{% macro ensure_analyst_role() %}
    {{ return(adapter.dispatch('ensure_analyst_role')()) }}
{% endmacro %}

{% macro default__ensure_analyst_role() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__ensure_analyst_role() %}
    {%- set role = var('analyst_role') -%}
    {{ return("do $$ begin if not exists (select from pg_roles where rolname = '" ~ role ~ "') then "
              ~ "create role \"" ~ role ~ "\" nologin; end if; "
              ~ "exception when duplicate_object or unique_violation then null; end $$") }}
{% endmacro %}

{#- USAGE on every schema whose relations this run granted to the analyst role (marts, ops, snapshots):
    `grants` covers the relations, a schema's usage is granted here, once its relations exist. -#}
{% macro grant_analyst_schema_usage(results) %}
    {{ return(adapter.dispatch('grant_analyst_schema_usage')(results)) }}
{% endmacro %}

{% macro default__grant_analyst_schema_usage(results) %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__grant_analyst_schema_usage(results) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set role = var('analyst_role') -%}
    {%- set schemas = [] -%}
    {%- for result in results if result.node.config.get('grants') -%}
        {%- set grantees = result.node.config.grants.values() | list -%}
        {%- for value in grantees if (role in value if value is iterable and value is not string else role == value) -%}
            {%- if result.node.schema not in schemas -%}{%- do schemas.append(result.node.schema) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for schema in schemas | sort -%}
        {%- do statements.append('grant usage on schema "' ~ schema ~ '" to "' ~ role ~ '"') -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{#- DuckDB has no roles: the analyst grants are PostgreSQL's, so they are skipped here without a warning. -#}
{% macro duckdb__apply_grants(relation, grant_config, should_revoke=True) %}
{% endmacro %}
