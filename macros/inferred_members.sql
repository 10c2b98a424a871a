{% macro inferred_members(key, landed, references, attributes) -%}
{#- Late-arriving dimension members (Kimball): every id that facts name but the dimension has not landed
    yet gets an inferred row — `is_inferred = true`, its attributes null, `loaded_at` the first landing of a
    fact naming it — so that no fact waits for its dimension row and relationship tests hold. The real
    row replaces it in the build after it lands.

    key: the dimension's key column; landed: the relation (CTE) of landed members, one row per `key`;
    references: [(relation, column)] of the facts naming members; attributes: [(column, data type)] to
    fill with nulls, in the dimension's column order after the key. -#}
select
    referenced.member_id as {{ key }},
    {%- for column, data_type in attributes %}
    cast(null as {{ data_type }}) as {{ column }},
    {%- endfor %}
    min(referenced.loaded_at) as loaded_at,
    true as is_inferred
from (
    {%- for relation, column in references %}
    select {{ column }} as member_id, loaded_at from {{ relation }} where {{ column }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
) as referenced
{# an anti join written as a left join (one landed row per key): both engines hash it, where DuckDB runs
    `not exists` as a correlated join at twice the cost -#}
left join {{ landed }} as landed_member
    on landed_member.{{ key }} = referenced.member_id
where landed_member.{{ key }} is null
group by referenced.member_id
{%- endmacro %}
