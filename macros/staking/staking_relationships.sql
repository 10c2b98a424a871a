{#- Fails with every row of `model` whose `columns` (a list) have no row in `to` with the same values in
    `to_columns` (default: the same names) — a relationships test on a composite key. Rows with a NULL
    in `columns` are not checked (not_null tests say whether they may be NULL). -#}
{% test staking_relationships(model, to, columns, to_columns=none) %}
{%- set parent_columns = to_columns or columns %}
select child.*
from (select * from {{ model }}) as child  -- `model` may be a filtered subquery (a test's where)
where {% for column in columns %}child.{{ column }} is not null{{ ' and ' if not loop.last }}{% endfor %}
  and not exists (
    select 1
    from {{ to }} as parent
    where {% for column in columns %}parent.{{ parent_columns[loop.index0] }} = child.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
)
{% endtest %}
