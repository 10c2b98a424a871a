{#- The JSON functions the staking staging models need, per engine. Both give a number's literal token
    as text, so integers of any size (2^64 … 2^128−1) come out digit for digit and a float literal stays
    a float literal (which the amount macro then refuses): DuckDB's JSON extraction keeps integer tokens
    verbatim; on PostgreSQL the documents are read as `json` (verbatim text), not `jsonb`, which would
    rewrite `1e5` as `100000`. Paths are lists of object keys (strings) and array indexes (integers). -#}

{#- A text expression parsed as JSON (`json` on both engines; see above why not PostgreSQL's jsonb). -#}
{% macro staking_json(text) -%}
    {{ return(adapter.dispatch('staking_json', 'warehouse')(text)) }}
{%- endmacro %}

{% macro default__staking_json(text) -%}cast({{ text }} as json){%- endmacro %}


{#- An integer field (ids, block numbers, the tax) from its JSON text, strictly: DuckDB's cast would
    round `1.5` to 2 and read `1e5`, so anything but an optional sign and digits raises there;
    PostgreSQL's cast is already that strict. -#}
{% macro staking_integer(text, type='bigint') -%}
    {{ return(adapter.dispatch('staking_integer', 'warehouse')(text, type)) }}
{%- endmacro %}

{% macro default__staking_integer(text, type='bigint') -%}cast({{ text }} as {{ type }}){%- endmacro %}

{% macro duckdb__staking_integer(text, type='bigint') -%}
    case
        when ({{ text }}) is null then null
        when regexp_full_match({{ text }}, '\s*-?[0-9]+\s*') then cast({{ text }} as {{ type }})
        else error('not an integer: ' || ({{ text }}))
    end
{%- endmacro %}


{#- The text of the scalar at `path`: a string's content, a number's literal digits (never through a
    float), NULL when absent or JSON null. An empty path means the value itself. -#}
{% macro staking_json_text(json, path=[]) -%}
    {{ return(adapter.dispatch('staking_json_text', 'warehouse')(json, path)) }}
{%- endmacro %}

{% macro duckdb__staking_json_text(json, path=[]) -%}({{ json }} ->> '{{ staking_json_duckdb_path(path) }}'){%- endmacro %}

{% macro postgres__staking_json_text(json, path=[]) -%}({{ json }} #>> '{{ staking_json_postgres_path(path) }}'){%- endmacro %}


{#- A SELECT with one row per element of the JSON array at `path` of `json`, for every row of `relation`:
    the `columns` of the row, and the element (JSON) as `value_alias`. No rows for a row whose array is
    absent. DuckDB unnests the extracted list in the select list (a lateral `json_each` is ~30x slower
    there); PostgreSQL uses a lateral `json_array_elements`. -#}
{% macro staking_json_array_rows(relation, columns, json, path, value_alias) -%}
    {{ return(adapter.dispatch('staking_json_array_rows', 'warehouse')(relation, columns, json, path, value_alias)) }}
{%- endmacro %}

{% macro duckdb__staking_json_array_rows(relation, columns, json, path, value_alias) -%}
    select
        {% for column in columns %}{{ column }},
        {% endfor %}unnest(json_extract({{ json }}, '{{ staking_json_duckdb_path(path) }}[*]')) as {{ value_alias }}
    from {{ relation }}
{%- endmacro %}

{% macro postgres__staking_json_array_rows(relation, columns, json, path, value_alias) -%}
    select
        {% for column in columns %}{{ relation }}.{{ column }},
        {% endfor %}element.value as {{ value_alias }}
    from {{ relation }},
        json_array_elements({{ json }} #> '{{ staking_json_postgres_path(path) }}') as element(value)
{%- endmacro %}


{#- A SELECT with one row per member of the JSON object at `path` of `json`, for every row of `relation`:
    the `columns`, the member's name (text) as `key_alias` and its value (JSON) as `value_alias`. DuckDB
    reads the object as a MAP(VARCHAR, JSON) and unnests its entries; PostgreSQL a lateral `json_each`. -#}
{% macro staking_json_object_rows(relation, columns, json, path, key_alias, value_alias) -%}
    {{ return(adapter.dispatch('staking_json_object_rows', 'warehouse')(relation, columns, json, path, key_alias, value_alias)) }}
{%- endmacro %}

{% macro duckdb__staking_json_object_rows(relation, columns, json, path, key_alias, value_alias) -%}
    select
        {% for column in columns %}{{ column }},
        {% endfor %}struct_extract(member, 'key') as {{ key_alias }},
        struct_extract(member, 'value') as {{ value_alias }}
    from (
        select
            {% for column in columns %}{{ column }},
            {% endfor %}unnest(map_entries(json_transform(
                {{ json }} -> '{{ staking_json_duckdb_path(path) }}', '"MAP(VARCHAR, JSON)"'
            ))) as member
        from {{ relation }}
    ) as members
{%- endmacro %}

{% macro postgres__staking_json_object_rows(relation, columns, json, path, key_alias, value_alias) -%}
    select
        {% for column in columns %}{{ relation }}.{{ column }},
        {% endfor %}member.key as {{ key_alias }},
        member.value as {{ value_alias }}
    from {{ relation }},
        json_each({{ json }} #> '{{ staking_json_postgres_path(path) }}') as member(key, value)
{%- endmacro %}


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
