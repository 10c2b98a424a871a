{#- The BM25 query of `warehouse search`, compiled once per build (not per search): one row per document
    type (and `all`), the query text `query_placeholder` and the limit `limit_placeholder` each standing
    exactly once in `query_sql` for the search to put its own words and limit in their place. -#}
{%- set query_placeholder = 'warehousesearchplaceholder' %}
{%- set limit_placeholder = 987654321 %}

{%- for doc_type in [none] + discovery_search_doc_types() %}
select
    '{{ doc_type or "all" }}' as doc_type,
    '{{ query_placeholder }}' as query_placeholder,
    {{ limit_placeholder }} as limit_placeholder,
    '{{ discovery_bm25_search(
        query_placeholder, doc_type, limit_placeholder, ref('search_documents'), ref('search_terms')
    ) | replace("'", "''") }}' as query_sql
{%- if not loop.last %}

union all
{% endif %}
{%- endfor %}
