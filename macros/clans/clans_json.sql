{#- JSON access for the clans models, one dispatch macro per engine difference.

    clans_json_text(expr, path): the value at `path` (a list of object keys) of the JSON text or JSON
    value `expr`, as text (null when missing).
    clans_json_rows(expr, key, alias): a FROM-clause fragment that joins one row per element of the
    array at `key` of `expr`, as the JSON value `alias` (no row when the key is missing or not an array).
-#}
{% macro clans_json_text(expr, path) -%}
    {{ return(adapter.dispatch('clans_json_text', 'warehouse')(expr, path)) }}
{%- endmacro %}

{% macro default__clans_json_text(expr, path) -%}
    json_extract_path_text({{ expr }}, '{{ path | join("', '") }}')
{%- endmacro %}

{% macro duckdb__clans_json_text(expr, path) -%}
    json_extract_string({{ expr }}, '$.{{ path | join(".") }}')
{%- endmacro %}

{% macro postgres__clans_json_text(expr, path) -%}
    (cast({{ expr }} as jsonb) #>> '{ {{- path | join(",") -}} }')
{%- endmacro %}


{% macro clans_json_rows(expr, key, alias) -%}
    {{ return(adapter.dispatch('clans_json_rows', 'warehouse')(expr, key, alias)) }}
{%- endmacro %}

{% macro default__clans_json_rows(expr, key, alias) -%}
    cross join lateral json_array_elements(cast({{ expr }} as json) -> '{{ key }}') as {{ alias }}_rows({{ alias }})
{%- endmacro %}

{% macro duckdb__clans_json_rows(expr, key, alias) -%}
    cross join unnest(json_extract({{ expr }}, '$.{{ key }}[*]')) as {{ alias }}_rows({{ alias }})
{%- endmacro %}

{% macro postgres__clans_json_rows(expr, key, alias) -%}
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(cast({{ expr }} as jsonb) -> '{{ key }}') = 'array'
             then cast({{ expr }} as jsonb) -> '{{ key }}' else cast('[]' as jsonb) end
    ) as {{ alias }}_rows({{ alias }})
{%- endmacro %}
