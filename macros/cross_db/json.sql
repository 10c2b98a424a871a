{#- JSON access for every model, one dispatch macro per engine difference. Both engines give a number's
    literal token as text, so integers of any size (2^64 … 2^128−1) come out digit for digit and a float literal stays
    a float literal (which the amount macro then refuses): DuckDB's JSON extraction keeps integer tokens
    verbatim; on PostgreSQL the documents are read as `json` (verbatim text), not `jsonb`, which would
    rewrite `1e5` as `100000`. Paths are lists of object keys (strings) and array indexes (integers). -#}

{#- A text expression parsed as JSON (`json` on both engines; see above why not PostgreSQL's jsonb). -#}
{% macro json_parse(text) -%}
    {{ return(adapter.dispatch('json_parse', 'warehouse')(text)) }}
{%- endmacro %}

{% macro default__json_parse(text) -%}cast({{ text }} as json){%- endmacro %}


{#- A landed JSON document (text the loader has already checked is JSON), to read fields from. DuckDB's
    JSON functions read the text as it is (a cast to JSON first would parse each document once more and hold
    a vector's worth of them); PostgreSQL reads it as `json`. -#}
{% macro json_document(text) -%}
    {{ return(adapter.dispatch('json_document', 'warehouse')(text)) }}
{%- endmacro %}

{% macro default__json_document(text) -%}{{ json_parse(text) }}{%- endmacro %}

{% macro duckdb__json_document(text) -%}{{ text }}{%- endmacro %}


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


{#- The text of the scalar at `path` of `json` (JSON text or a JSON value): a string's content, a number's
    literal digits (never through a float), NULL when absent or JSON null. An empty path means the value
    itself. -#}
{% macro json_text(json, path=[]) -%}
    {{ return(adapter.dispatch('json_text', 'warehouse')(json, path)) }}
{%- endmacro %}

{% macro duckdb__json_text(json, path=[]) -%}({{ json }} ->> '{{ json_path_duckdb(path) }}'){%- endmacro %}

{% macro postgres__json_text(json, path=[]) -%}(cast({{ json }} as json) #>> '{{ json_path_postgres(path) }}'){%- endmacro %}


{#- The texts of the scalars at each of `paths` of `json`, as a list (index it from 1), as `json_text`
    gives them. Several fields of a large document in one call: DuckDB then parses each document once, where
    one `json_text` per field parses it again per field and holds a vector's worth (2,048 documents) of
    every parse at once. -#}
{% macro json_texts(json, paths) -%}
    {{ return(adapter.dispatch('json_texts', 'warehouse')(json, paths)) }}
{%- endmacro %}

{% macro duckdb__json_texts(json, paths) -%}
    json_extract_string({{ json }}, [{% for path in paths %}'{{ json_path_duckdb(path) }}'{{ ', ' if not loop.last }}{% endfor %}])
{%- endmacro %}

{% macro postgres__json_texts(json, paths) -%}
    array[{% for path in paths %}{{ postgres__json_text(json, path) }}{{ ', ' if not loop.last }}{% endfor %}]
{%- endmacro %}


{#- A SELECT with one row per element of the JSON array at `path` of `json`, for every row of `relation`:
    the `columns` of the row, and the element (JSON) as `value_alias`. No rows for a row whose array is
    absent. DuckDB unnests the extracted list in the select list (a lateral `json_each` is ~30x slower
    there); PostgreSQL uses a lateral `json_array_elements`. -#}
{% macro json_array_rows(relation, columns, json, path, value_alias) -%}
    {{ return(adapter.dispatch('json_array_rows', 'warehouse')(relation, columns, json, path, value_alias)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(relation, columns, json, path, value_alias) -%}
    select
        {% for column in columns %}{{ column }},
        {% endfor %}unnest(json_extract({{ json }}, '{{ json_path_duckdb(path) }}[*]')) as {{ value_alias }}
    from {{ relation }}
{%- endmacro %}

{% macro postgres__json_array_rows(relation, columns, json, path, value_alias) -%}
    select
        {% for column in columns %}{{ relation }}.{{ column }},
        {% endfor %}element.value as {{ value_alias }}
    from {{ relation }},
        json_array_elements({{ json }} #> '{{ json_path_postgres(path) }}') as element(value)
{%- endmacro %}


{#- A SELECT with one row per member of the JSON object at `path` of `json`, for every row of `relation`:
    the `columns`, the member's name (text) as `key_alias` and its value (JSON) as `value_alias`. DuckDB
    reads the object as a MAP(VARCHAR, JSON) and unnests its entries; PostgreSQL a lateral `json_each`. -#}
{% macro json_object_rows(relation, columns, json, path, key_alias, value_alias) -%}
    {{ return(adapter.dispatch('json_object_rows', 'warehouse')(relation, columns, json, path, key_alias, value_alias)) }}
{%- endmacro %}

{% macro duckdb__json_object_rows(relation, columns, json, path, key_alias, value_alias) -%}
    select
        {% for column in columns %}{{ column }},
        {% endfor %}struct_extract(member, 'key') as {{ key_alias }},
        struct_extract(member, 'value') as {{ value_alias }}
    from (
        select
            {% for column in columns %}{{ column }},
            {% endfor %}unnest(map_entries(json_transform(
                {{ json }} -> '{{ json_path_duckdb(path) }}', '"MAP(VARCHAR, JSON)"'
            ))) as member
        from {{ relation }}
    ) as members
{%- endmacro %}

{% macro postgres__json_object_rows(relation, columns, json, path, key_alias, value_alias) -%}
    select
        {% for column in columns %}{{ relation }}.{{ column }},
        {% endfor %}member.key as {{ key_alias }},
        member.value as {{ value_alias }}
    from {{ relation }},
        json_each({{ json }} #> '{{ json_path_postgres(path) }}') as member(key, value)
{%- endmacro %}


{#- Aggregate: a JSON object {key: value} over the group's rows (any number), keys in `order_by` order;
    NULL for an empty group. DuckDB's json_group_object takes no ORDER BY, so it is built from the group's
    (order, key, value) entries, listed unordered and then sorted: an ordered aggregate (`list(... order by
    ...)`) buffers every group's rows outside what memory_limit lets DuckDB spill, and ran out of memory on
    the `large` world's 1.6M operator-epochs. Ties in `order_by` are ordered by key, then value. PostgreSQL
    json_object_agg. The result is the JSON type of `json_parse`. -#}
{% macro json_object_agg(key, value, order_by) -%}
    {{ return(adapter.dispatch('json_object_agg', 'warehouse')(key, value, order_by)) }}
{%- endmacro %}

{% macro duckdb__json_object_agg(key, value, order_by) -%}
    to_json(map_from_entries(list_transform(
        list_sort(list({'o': {{ order_by }}, 'k': {{ key }}, 'v': {{ value }}})),
        entry -> {'key': entry.k, 'value': entry.v}
    )))
{%- endmacro %}

{% macro postgres__json_object_agg(key, value, order_by) -%}
    json_object_agg({{ key }}, {{ value }} order by {{ order_by }})
{%- endmacro %}


{#- Path spellings (internal). -#}
{% macro json_path_duckdb(path) -%}
    {%- set parts = ['$'] -%}
    {%- for step in path -%}
        {%- if step is number -%}{%- do parts.append('[' ~ step ~ ']') -%}
        {%- else -%}{%- do parts.append('."' ~ step ~ '"') -%}{%- endif -%}
    {%- endfor -%}
    {{- parts | join('') -}}
{%- endmacro %}

{% macro json_path_postgres(path) -%}
    {{- '{' ~ (path | map('string') | join(',')) ~ '}' -}}
{%- endmacro %}


{#- The number of members of the JSON object `json`. -#}
{% macro json_object_size(json) -%}
    {{ return(adapter.dispatch('json_object_size', 'warehouse')(json)) }}
{%- endmacro %}

{% macro duckdb__json_object_size(json) -%}len(json_keys({{ json }})){%- endmacro %}

{% macro postgres__json_object_size(json) -%}(select count(*) from json_object_keys({{ json }})){%- endmacro %}


{#- A FROM-clause fragment (use after a FROM item) joining one row per element of the array at object key
    `key` of `expr` (JSON text or a JSON value), as the JSON value `alias`; no row when the key is missing
    or not an array. -#}
{% macro json_array_join(expr, key, alias) -%}
    {{ return(adapter.dispatch('json_array_join', 'warehouse')(expr, key, alias)) }}
{%- endmacro %}

{% macro default__json_array_join(expr, key, alias) -%}
    cross join lateral json_array_elements(cast({{ expr }} as json) -> '{{ key }}') as {{ alias }}_rows({{ alias }})
{%- endmacro %}

{% macro duckdb__json_array_join(expr, key, alias) -%}
    cross join unnest(json_extract({{ expr }}, '$.{{ key }}[*]')) as {{ alias }}_rows({{ alias }})
{%- endmacro %}

{% macro postgres__json_array_join(expr, key, alias) -%}
    cross join lateral json_array_elements(
        case when json_typeof(cast({{ expr }} as json) -> '{{ key }}') = 'array'
             then cast({{ expr }} as json) -> '{{ key }}' else cast('[]' as json) end
    ) as {{ alias }}_rows({{ alias }})
{%- endmacro %}


{#- The number of elements of the array at object key `key` of `expr` (JSON text or a JSON value): as many
    rows as json_array_join gives, 0 when the key is missing or not an array. A scalar, so a query that
    does not use it (or keeps few rows) parses no document for it. -#}
{% macro json_array_size(expr, key) -%}
    {{ return(adapter.dispatch('json_array_size', 'warehouse')(expr, key)) }}
{%- endmacro %}

{% macro duckdb__json_array_size(expr, key) -%}
    coalesce(json_array_length({{ expr }}, '$.{{ key }}'), 0)
{%- endmacro %}

{% macro postgres__json_array_size(expr, key) -%}
    (case when json_typeof(cast({{ expr }} as json) -> '{{ key }}') = 'array'
          then json_array_length(cast({{ expr }} as json) -> '{{ key }}') else 0 end)
{%- endmacro %}
