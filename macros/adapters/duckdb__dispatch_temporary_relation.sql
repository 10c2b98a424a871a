{#- The temporary relation of an incremental run on DuckDB (replaces dbt-duckdb's macro of this name; the
    MotherDuck branch of the original is left out: MotherDuck is no target here). dbt-duckdb asks for a
    session TEMP table, but a Python model writes its batch through its own cursor as a plain table in
    `main`, which nothing then drops: every incremental build would leave a `<model>__dbt_tmp<time>` table
    behind. For Python models the relation is therefore marked non-temporary, so the materialization
    drops it once the batch is merged (its `to_drop` list). SQL models keep the session TEMP table. -#}
{% macro duckdb__dispatch_temporary_relation(target_relation, batch_id='') %}
    {%- set is_python = model is defined and model.get('language') == 'python' -%}
    {{ return({'relation': make_temp_relation(target_relation), 'temporary': not is_python}) }}
{% endmacro %}
