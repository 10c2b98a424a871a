{#- The JSON functions the staking staging models need, per engine. Both give a number's literal token
    as text, so integers of any size (2^64 … 2^128−1) come out digit for digit and a float literal stays
    a float literal (which the amount macro then refuses): DuckDB's JSON extraction keeps integer tokens
    verbatim; on PostgreSQL the documents are read as `json` (verbatim text), not `jsonb`, which would
    rewrite `1e5` as `100000`. Paths are lists of object keys (strings) and array indexes (integers). -#}

{#- A text expression parsed as JSON. -#}
{% macro staking_json(text) -%}
    {{ return(adapter.dispatch('staking_json', 'warehouse')(text)) }}
{%- endmacro %}

{% macro duckdb__staking_json(text) -%}cast({{ text }} as json){%- endmacro %}

{% macro postgres__staking_json(text) -%}cast({{ text }} as json){%- endmacro %}


{#- The JSON value at `path` (NULL when absent). -#}
{% macro staking_json_get(json, path) -%}
    {{ return(adapter.dispatch('staking_json_get', 'warehouse')(json, path)) }}
{%- endmacro %}

{% macro duckdb__staking_json_get(json, path) -%}({{ json }} -> '{{ staking_json_duckdb_path(path) }}'){%- endmacro %}

{% macro postgres__staking_json_get(json, path) -%}({{ json }} #> '{{ staking_json_postgres_path(path) }}'){%- endmacro %}


{#- The text of the scalar at `path`: a string's content, a number's literal digits (never through a
    float), NULL when absent or JSON null. An empty path means the value itself. -#}
{% macro staking_json_text(json, path=[]) -%}
    {{ return(adapter.dispatch('staking_json_text', 'warehouse')(json, path)) }}
{%- endmacro %}

{% macro duckdb__staking_json_text(json, path=[]) -%}({{ json }} ->> '{{ staking_json_duckdb_path(path) }}'){%- endmacro %}

{% macro postgres__staking_json_text(json, path=[]) -%}({{ json }} #>> '{{ staking_json_postgres_path(path) }}'){%- endmacro %}


{#- A FROM-clause item (use after a comma: it is lateral) with one row per element of the JSON array
    `json`, the element in column `<alias>.value`. No rows when `json` is NULL. -#}
{% macro staking_json_array_rows(json, alias) -%}
    {{ return(adapter.dispatch('staking_json_array_rows', 'warehouse')(json, alias)) }}
{%- endmacro %}

{% macro duckdb__staking_json_array_rows(json, alias) -%}json_each({{ json }}) as {{ alias }}{%- endmacro %}

{% macro postgres__staking_json_array_rows(json, alias) -%}json_array_elements({{ json }}) as {{ alias }}(value){%- endmacro %}


{#- A FROM-clause item (lateral) with one row per member of the JSON object `json`: `<alias>.key` (text)
    and `<alias>.value` (JSON). No rows when `json` is NULL. -#}
{% macro staking_json_object_rows(json, alias) -%}
    {{ return(adapter.dispatch('staking_json_object_rows', 'warehouse')(json, alias)) }}
{%- endmacro %}

{% macro duckdb__staking_json_object_rows(json, alias) -%}json_each({{ json }}) as {{ alias }}{%- endmacro %}

{% macro postgres__staking_json_object_rows(json, alias) -%}json_each({{ json }}) as {{ alias }}(key, value){%- endmacro %}


{#- Aggregate: a JSON object {key: value} over the group's rows (any number), keys in `order_by` order;
    NULL for an empty group. DuckDB's json_group_object takes no ORDER BY, so it is built from ordered
    lists; PostgreSQL json_object_agg. The result is the JSON type of `staking_json`. -#}
{% macro staking_json_object_agg(key, value, order_by) -%}
    {{ return(adapter.dispatch('staking_json_object_agg', 'warehouse')(key, value, order_by)) }}
{%- endmacro %}

{% macro duckdb__staking_json_object_agg(key, value, order_by) -%}
    to_json(map(list({{ key }} order by {{ order_by }}), list({{ value }} order by {{ order_by }})))
{%- endmacro %}

{% macro postgres__staking_json_object_agg(key, value, order_by) -%}
    json_object_agg({{ key }}, {{ value }} order by {{ order_by }})
{%- endmacro %}


{#- Path spellings (internal). -#}
{% macro staking_json_duckdb_path(path) -%}
    {%- set parts = ['$'] -%}
    {%- for step in path -%}
        {%- if step is number -%}{%- do parts.append('[' ~ step ~ ']') -%}
        {%- else -%}{%- do parts.append('."' ~ step ~ '"') -%}{%- endif -%}
    {%- endfor -%}
    {{- parts | join('') -}}
{%- endmacro %}

{% macro staking_json_postgres_path(path) -%}
    {{- '{' ~ (path | map('string') | join(',')) ~ '}' -}}
{%- endmacro %}


{#- The number of members of the JSON object `json`. -#}
{% macro staking_json_object_size(json) -%}
    {{ return(adapter.dispatch('staking_json_object_size', 'warehouse')(json)) }}
{%- endmacro %}

{% macro duckdb__staking_json_object_size(json) -%}len(json_keys({{ json }})){%- endmacro %}

{% macro postgres__staking_json_object_size(json) -%}(select count(*) from json_object_keys({{ json }})){%- endmacro %}
