{#- The one high-water-mark idiom of the project. In an incremental run it is the predicate
    "`column` is past the largest `this_column` already in this model" (every row while the model is
    empty, whatever the column's type; a row whose `column` is null never); in a full refresh (or the
    first run) it is true. Use it in the WHERE clause that reads the new input rows:

        from {{ ref('stg_community__votes') }}
        where {{ since_last_run('event_seq') }}
-#}
{% macro since_last_run(column, this_column=none) -%}
    {%- if is_incremental() -%}
        ({{ column }} > (select max({{ this_column or column }}) from {{ this }})
         or not exists (select 1 from {{ this }}))
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
