{#- dbt-postgres has no Python models: on PostgreSQL `warehouse build` runs them between dbt invocations
    (python/warehouse/python_steps/). A plain `dbt build` that selects one stops here, in on-run-start,
    before any node runs, and says what to run instead. -#}
{% macro refuse_python_models_without_runner() %}
    {%- if execute and target.type != 'duckdb' -%}
        {%- set python = [] -%}
        {%- for unique_id in selected_resources -%}
            {%- set node = graph.nodes.get(unique_id) -%}
            {%- if node and node.language == 'python' -%}{%- do python.append(node.name) -%}{%- endif -%}
        {%- endfor -%}
        {%- if python -%}
            {{ exceptions.raise_compiler_error(
                "dbt-" ~ target.type ~ " cannot run the Python models " ~ (python | sort | join(', '))
                ~ ": build with `warehouse build --target " ~ target.name ~ "` (it runs them between dbt invocations),"
                ~ " or leave them out with --exclude " ~ (python | sort | join('+ --exclude ')) ~ "+") }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
