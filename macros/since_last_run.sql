{#- The one high-water-mark idiom of the project, on an integer sequence that grows with new data (the
    loaders' event_seq, from 1 up). In an incremental run it is the predicate "`column` is past the largest
    `this_column` already in this model" — every row while the model is empty, including when its
    pre-hook has just emptied it — and in a full refresh (or the first run) it is true. Use it in the WHERE
    clause that reads the new input rows:

        from {{ ref('stg_community__votes') }}
        where {{ since_last_run('event_seq') }}

    The mark is one scalar (an empty model's is -1), never `or not exists (…)`: beside an OR, neither
    engine could skip the history (DuckDB's zone maps, PostgreSQL's index on the column). -#}
{% macro since_last_run(column, this_column=none) -%}
    {%- if is_incremental() -%}
        {{ column }} > (select coalesce(max({{ this_column or column }}), -1) from {{ this }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
