{#- The largest event_seq ops.pipeline_pending_nfts has taken in (-1 when it is empty or missing, or when the
    model is compiled for a unit test, whose inputs are fixtures). -#}
{% macro pipeline_pending_mark(relation) %}
    {%- if execute and model.resource_type != 'unit_test' -%}
        {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema,
            identifier=relation.identifier) -%}
        {%- if existing is not none -%}
            {%- set result = run_query('select coalesce(max(last_event_seq), -1) from ' ~ existing) -%}
            {{ return(result.columns[0].values()[0] | int) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(-1) }}
{% endmacro %}
