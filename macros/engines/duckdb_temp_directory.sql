{#- on-run-start (DuckDB): where the build spills past its memory_limit. DuckDB's own default is the database
    path + `.tmp`; WAREHOUSE_DUCKDB_TEMP_DIRECTORY moves it. Set only when it differs from the current one:
    DuckDB refuses to set it again (even to the same folder) once a query has spilled, and a process that
    builds several times (tests, Dagster) keeps its database open between invocations. -#}
{% macro duckdb_temp_directory() %}
    {{ return(adapter.dispatch('duckdb_temp_directory')()) }}
{% endmacro %}

{% macro default__duckdb_temp_directory() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__duckdb_temp_directory() %}
    {%- set wanted = env_var('WAREHOUSE_DUCKDB_TEMP_DIRECTORY', '') -%}
    {%- if not execute or not wanted -%}{{ return('') }}{%- endif -%}
    {%- set current = run_query("select current_setting('temp_directory')").columns[0].values()[0] -%}
    {{ return('' if current == wanted else "set temp_directory = '" ~ wanted | replace("'", "''") ~ "'") }}
{% endmacro %}
