{#- Creates the raw schema and every raw table declared in the sources YAML (schema `raw`), empty, if
    they do not exist yet. Column names and types come from the YAML; landing metadata columns are added
    by table kind (see models/staging/ingestion/_ingestion__docs.md). The loaders create the same tables
    from the same YAML (python/warehouse/loaders/contracts.py). -#}
{% macro create_raw_tables() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set statements = ['create schema if not exists raw'] -%}
    {%- for node in graph.sources.values() if node.schema == 'raw' -%}
        {%- set loader = (node.config.meta or {}).get('loader') or (node.meta or {}).get('loader') or {} -%}
        {%- set kind = loader.get('kind', 'log') -%}
        {%- set columns = [] -%}
        {%- for column in node.columns.values() -%}
            {%- do columns.append(column.name ~ ' ' ~ column.data_type) -%}
        {%- endfor -%}
        {%- if kind != 'log' -%}
            {%- do columns.extend(raw_landing_columns()) -%}
            {%- if kind in ('event', 'document') -%}{%- do columns.append('event_seq bigint') -%}{%- endif -%}
        {%- endif -%}
        {%- do statements.append('create table if not exists raw.' ~ node.name ~ ' (' ~ columns | join(', ') ~ ')') -%}
    {%- endfor -%}
    {{ return(statements | join(';\n') ~ ';') }}
{% endmacro %}

{% macro raw_landing_columns() %}
    {{ return(['run_id varchar', 'source_file varchar', 'source_position bigint', 'loaded_at timestamp', 'row_hash varchar']) }}
{% endmacro %}
