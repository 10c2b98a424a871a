{#- Data tests scoped to the new rows.

    A model over append-only events declares the column that orders its rows as they arrive
    (`config.meta.test_scope_column`, an integer such as event_seq; set in dbt_project.yml). A build
    records, per such model, the largest value its tests have passed on (table ops.test_watermarks,
    written at the end of an invocation in which every test on the model passed). The generic tests on
    the model then read only the rows past that mark: a scheduled build checks what it added, not the
    history again. A row-level test (not_null, accepted_values, an expression, a relationship from the
    new rows) is exact on the new rows; a uniqueness test sees duplicates among them, not between a new
    row and an old one — which the full audit catches.

    Every test reads the whole table (no scope) with `--full-refresh`, with WAREHOUSE_FULL_AUDIT=1
    (`warehouse build --full-audit`), for singular tests, and for a model without a recorded mark.
-#}

{% macro test_watermarks_relation() %}
    {{ return(api.Relation.create(database=target.database, schema=generate_schema_name('ops', none),
        identifier='test_watermarks')) }}
{% endmacro %}


{#- on-run-start: the table of marks exists before any test reads it. -#}
{% macro create_test_watermarks() %}
    {%- set relation = test_watermarks_relation() -%}
    {{ return('create schema if not exists ' ~ relation.schema ~ ';\n'
        ~ 'create table if not exists ' ~ relation ~ ' (model ' ~ dbt.type_string()
        ~ ', scope_column ' ~ dbt.type_string() ~ ', mark bigint, recorded_at timestamp)') }}
{% endmacro %}


{% macro full_audit() %}
    {{ return(flags.FULL_REFRESH or env_var('WAREHOUSE_FULL_AUDIT', '') | lower in ('1', 'true', 'yes')) }}
{% endmacro %}


{% macro test_scope_column(node) %}
    {{ return(((node.config.meta or {}).get('test_scope_column')) if node is not none else none) }}
{% endmacro %}


{#- The generic tests' relation: the dbt default (its `where` config), narrowed to the new rows. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scope = none -%}
    {%- if execute and not full_audit() -%}
        {%- set attached = model.attached_node if model.attached_node is defined else none -%}
        {%- set node = graph.nodes.get(attached) if attached else none -%}
        {%- set column = test_scope_column(node) -%}
        {%- set marks = test_watermarks_relation() -%}
        {#- a model without a recorded mark is read whole; whether it has one is read as the test compiles, so
            the scope is a plain comparison that lets the engines skip the history (see since_last_run) -#}
        {%- if column and node.alias == relation.identifier
            and run_query("select 1 from " ~ marks ~ " where model = '" ~ node.name ~ "' limit 1").rows | length > 0 -%}
            {%- set scope -%}
                {{ adapter.quote(column) }} > (select max(mark) from {{ marks }} where model = '{{ node.name }}')
            {%- endset -%}
        {%- endif -%}
    {%- endif -%}
    {%- set conditions = [where] if where else [] -%}
    {%- if scope -%}{%- do conditions.append(scope) -%}{%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{#- on-run-end: for each scoped model whose tests all passed in this invocation (at least one ran), the
    largest value of its scope column becomes its mark. -#}
{% macro record_test_watermarks(results) %}
    {%- if not execute or results is none -%}{{ return('') }}{%- endif -%}
    {%- set tested = {} -%}
    {%- for result in results if result.node.resource_type == 'test' -%}
        {%- set attached = result.node.attached_node -%}
        {%- if attached and attached in graph.nodes and test_scope_column(graph.nodes[attached]) -%}
            {%- set passed = result.status in ('pass', 'warn') -%}
            {%- do tested.update({attached: tested.get(attached, true) and passed}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set marks = test_watermarks_relation() -%}
    {%- set recorded = [] -%}
    {%- for unique_id, passed in tested.items() if passed -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is not none -%}
            {%- set column = test_scope_column(node) -%}
            {#- the scope column only grows (since_last_run): the new largest value is past the old mark, and
                reading only past it lets the engines skip the history, as the scoped tests do -#}
            {%- set recorded_mark = "(select max(mark) from " ~ marks ~ " where model = '" ~ node.name ~ "')" -%}
            {%- call statement('record_test_watermarks', auto_begin=true) -%}
                insert into {{ marks }} (model, scope_column, mark, recorded_at)
                select '{{ node.name }}', '{{ column }}', max({{ adapter.quote(column) }}), {{ dbt.current_timestamp() }}
                from {{ relation }}
                where {{ adapter.quote(column) }} > coalesce({{ recorded_mark }}, -1)
                having max({{ adapter.quote(column) }}) is not null
            {%- endcall -%}
            {%- call statement('record_test_watermarks', auto_begin=true) -%}
                delete from {{ marks }} where model = '{{ node.name }}' and mark < {{ recorded_mark }}
            {%- endcall -%}
            {%- do recorded.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if recorded -%}{%- do adapter.commit() -%}{%- endif -%}
    {{ return('') }}
{% endmacro %}
