{#- ops.payload_versions: an ETag per mart, so that a client that caches a mart can revalidate it.

    payload_version = md5(column schema | newest data timestamp | row count), where
    - the column schema is every column's name and type, in order, as the warehouse reports them;
    - the newest data timestamp is the largest value of the mart's data timestamp column(s): those named
      in the model's `config.meta.data_timestamp` (a column or a list; the convention: the newest source
      event the rows reflect, never the build time), or else every timestamp/date column whose name is
      not a build-time column (var `payload_version_build_time_columns`, e.g. `as_of`);
    - the row count catches deletions that leave the newest timestamp alone.
    Nothing in it depends on when the build ran, so a rebuild with no new data keeps every version.

    The marts are found in the dbt graph at run time — every enabled, non-ephemeral model whose schema
    is `marts` or `ops` (this model aside) and that exists in the warehouse — so a mart added anywhere is
    covered without touching this macro.
-#}
{% macro payload_version_marts() %}
    {%- set marts = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.config.enabled
            and node.config.materialized != 'ephemeral'
            and node.config.schema in ('marts', 'ops')
            and node.name != 'payload_versions' -%}
            {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- if relation is not none -%}
                {%- do marts.append({'node': node, 'relation': relation}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(marts | sort(attribute='node.name')) }}
{% endmacro %}


{% macro payload_version_timestamp_columns(node, columns) %}
    {%- set meta = node.config.meta or {} -%}
    {%- set declared = meta.get('data_timestamp') or (node.meta or {}).get('data_timestamp') -%}
    {%- set names = columns | map(attribute='name') | map('lower') | list -%}
    {%- if declared -%}
        {%- set declared = [declared] if declared is string else declared -%}
        {%- for column in declared if column | lower not in names -%}
            {{ exceptions.raise_compiler_error(
                "payload_versions: " ~ node.name ~ " declares data_timestamp column '" ~ column
                ~ "', which it does not have (columns: " ~ names | join(', ') ~ ")") }}
        {%- endfor -%}
        {{ return({'basis': 'declared', 'columns': declared | map('lower') | list}) }}
    {%- endif -%}
    {%- set build_time = var('payload_version_build_time_columns') | map('lower') | list -%}
    {%- set detected = [] -%}
    {%- for column in columns -%}
        {%- set dtype = column.dtype | lower -%}
        {%- if ('timestamp' in dtype or dtype == 'date') and column.name | lower not in build_time -%}
            {%- do detected.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'basis': 'detected' if detected else 'row_count', 'columns': detected}) }}
{% endmacro %}


{% macro payload_versions_sql(marts=none) %}
    {%- set marts = payload_version_marts() if marts is none else marts -%}
    {%- set parts = [] -%}
    {%- for mart in marts -%}
        {%- set node, relation = mart.node, mart.relation -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
        {%- set signature = [] -%}
        {%- for column in columns -%}
            {%- do signature.append(column.name | lower ~ ' ' ~ column.dtype | lower) -%}
        {%- endfor -%}
        {%- set stamp = payload_version_timestamp_columns(node, columns) -%}
        {#- one scan of the mart for both figures: a scalar subquery per column would evaluate a view mart
            (the dirty queue) once per column, each without the plan a whole read of it gets -#}
        {%- set newest -%}
            {%- if stamp.columns | length > 1 -%}
                max(greatest(
                {%- for column in stamp.columns -%}
                    cast({{ adapter.quote(column) }} as timestamp){% if not loop.last %}, {% endif %}
                {%- endfor -%}
                ))
            {%- elif stamp.columns -%}
                max(cast({{ adapter.quote(stamp.columns[0]) }} as timestamp))
            {%- else -%}
                cast(null as timestamp)
            {%- endif -%}
        {%- endset -%}
        {%- set part -%}
            select
                '{{ node.name }}' as mart,
                '{{ relation.schema }}' as schema_name,
                md5('{{ signature | join(", ") | replace("'", "''") }}') as schema_hash,
                {{ columns | length }} as n_columns,
                '{{ stamp.basis }}' as version_basis,
                {% if stamp.columns %}'{{ stamp.columns | join(", ") }}'{% else %}cast(null as {{ dbt.type_string() }}){% endif %}
                    as data_timestamp_columns,
                stats.newest_data_at,
                stats.n_rows
            from (select {{ newest }} as newest_data_at, count(*) as n_rows from {{ relation }}) as stats
        {%- endset -%}
        {%- do parts.append(part) -%}
    {%- endfor -%}
    {%- if not parts -%}
        {%- do parts.append(
            "select cast(null as " ~ dbt.type_string() ~ ") as mart, cast(null as " ~ dbt.type_string()
            ~ ") as schema_name, cast(null as " ~ dbt.type_string() ~ ") as schema_hash, 0 as n_columns, cast(null as "
            ~ dbt.type_string() ~ ") as version_basis, cast(null as " ~ dbt.type_string()
            ~ ") as data_timestamp_columns, cast(null as timestamp) as newest_data_at, cast(0 as bigint) as n_rows"
            ~ " where 1 = 0") -%}
    {%- endif %}
with marts as (
    {{ parts | join('\n    union all\n') }}
)

select
    mart,
    md5(
        schema_hash || '|' || coalesce(cast(newest_data_at as {{ dbt.type_string() }}), '')
        || '|' || cast(n_rows as {{ dbt.type_string() }})
    ) as payload_version,
    schema_name,
    schema_hash,
    n_columns,
    version_basis,
    data_timestamp_columns,
    newest_data_at,
    cast(n_rows as bigint) as n_rows
from marts
{%- endmacro %}


{#- Brings ops.payload_versions up to date in place (when it exists), for an `on-run-end` hook — so the
    versions reflect every mart the invocation built, whatever the order dbt ran them in — or for
    `dbt run-operation refresh_payload_versions` (every mart). Given the hook's `results`, only the marts
    this invocation built are recomputed (a mart no invocation rebuilt still has the data and schema of
    its row), and the rows of marts that no longer exist are dropped; with --full-refresh, without
    `results`, or while the table is empty, every mart is. Returns no SQL: it runs its own statements. -#}
{% macro refresh_payload_versions(results=none) %}
    {%- if execute -%}
        {%- set node = graph.nodes.values() | selectattr('name', 'equalto', 'payload_versions')
            | selectattr('resource_type', 'equalto', 'model') | first -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is not none -%}
            {%- set columns = 'mart, payload_version, schema_name, schema_hash, n_columns, version_basis, '
                ~ 'data_timestamp_columns, newest_data_at, n_rows' -%}
            {%- set marts = payload_version_marts() -%}
            {%- set built = payload_versions_built_marts(results, relation) -%}
            {%- set names = marts | map(attribute='node.name') | list -%}
            {%- set changed = marts if built is none else marts | selectattr('node.name', 'in', built) | list -%}
            {%- call statement('refresh_payload_versions', auto_begin=true) -%}
                delete from {{ relation }}
                {%- if built is not none %}
                where mart in ('{{ (built + ['']) | join("', '") }}')
                    or mart not in ('{{ (names + ['']) | join("', '") }}')
                {%- endif %}
            {%- endcall -%}
            {%- if changed -%}
                {%- call statement('refresh_payload_versions', auto_begin=true) -%}
                    insert into {{ relation }} ({{ columns }})
                    select {{ columns }} from ({{ payload_versions_sql(changed) }}) as versions
                {%- endcall -%}
            {%- endif -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- The names of the marts an invocation built (its `results`) and of every view among them, or none when
    every mart must be recomputed: no results (run-operation), a full refresh, or an empty table. -#}
{% macro payload_versions_built_marts(results, relation) %}
    {%- if results is none or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set existing = run_query('select count(*) from ' ~ relation) -%}
    {%- if existing.columns[0].values()[0] == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set built = [] -%}
    {%- for result in results
        if result.node.resource_type == 'model' and result.status == 'success'
        and result.node.name != 'payload_versions' -%}
        {%- do built.append(result.node.name) -%}
    {%- endfor -%}
    {#- a view's rows change with the tables under it, whether or not this invocation created it again (a
        scheduled build on DuckDB leaves the views out: selectors.yml) -#}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'view'
        and node.config.schema in ('marts', 'ops') and node.name not in built -%}
        {%- do built.append(node.name) -%}
    {%- endfor -%}
    {{ return(built) }}
{% endmacro %}
