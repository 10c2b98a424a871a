{#- Word tokens of a text, one row per token, for the select list of a query: lower-cased maximal runs
    of ASCII letters and digits (`[a-z0-9]+`); every other character separates tokens. Empty strings
    at the edges are produced too: filter `token <> ''`. -#}
{% macro discovery_word_tokens(text) -%}
    {{ return(adapter.dispatch('discovery_word_tokens', 'warehouse')(text)) }}
{%- endmacro %}

{% macro default__discovery_word_tokens(text) -%}
    unnest(regexp_split_to_array(lower({{ text }}), '[^a-z0-9]+'))
{%- endmacro %}

{% macro duckdb__discovery_word_tokens(text) -%}
    unnest(string_split_regex(lower({{ text }}), '[^a-z0-9]+'))
{%- endmacro %}

{% macro postgres__discovery_word_tokens(text) -%}
    regexp_split_to_table(lower({{ text }}), '[^a-z0-9]+')
{%- endmacro %}

{#- A FROM-clause item giving one row per element of a `delimiter`-separated list column, with its
    1-based position: columns `alias.item` and `alias.position`. Use after `cross join`. -#}
{% macro discovery_list_items(list, delimiter, alias) -%}
    {{ return(adapter.dispatch('discovery_list_items', 'warehouse')(list, delimiter, alias)) }}
{%- endmacro %}

{% macro default__discovery_list_items(list, delimiter, alias) -%}
    unnest(string_to_array({{ list }}, '{{ delimiter }}')) with ordinality as {{ alias }}(item, position)
{%- endmacro %}
