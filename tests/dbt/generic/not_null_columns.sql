{#- Fails with every row in which one of `columns` is null; `null_columns` names them.

    The models over append-only events (`meta.test_scope_column`) test their required columns with this one
    test rather than one dbt `not_null` per column: their tests run in every scheduled build, where each test
    is a node of its own that the models downstream wait for, and one test reads the new rows once for all the
    columns. The other models keep dbt's `not_null` per column. -#}
{% test not_null_columns(model, columns) %}
select
    concat_ws(', '
    {%- for column in columns %}, case when {{ adapter.quote(column) }} is null then '{{ column }}' end{% endfor %}
    ) as null_columns,
    *
from {{ model }}
where {% for column in columns %}{{ adapter.quote(column) }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
