{#- The document types of the search index. -#}
{% macro discovery_search_doc_types() -%}
    {{ return(['project', 'builder', 'chain', 'investor']) }}
{%- endmacro %}

{#- A query ranking the documents of the portable search index by BM25 for `query` (free text,
    tokenized like the documents; each distinct query term counts once).

    score(d) = sum over query terms t in d of
               idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_length / avg_doc_length))
    idf(t)   = ln(1 + (N - n_t + 0.5) / (n_t + 0.5))

    N, n_t and avg_doc_length are taken over the documents searched (all, or those of `doc_type`).
    Returns search_rank, doc_type, doc_id, title, score: the best `limit` documents with a score,
    best first (ties by doc_type, then doc_id). -#}
{% macro discovery_bm25_search(query, doc_type, limit, documents, terms) -%}
    {%- if doc_type is not none and doc_type not in discovery_search_doc_types() -%}
        {{ exceptions.raise_compiler_error(
            "unknown search document type '" ~ doc_type ~ "'; use one of " ~ discovery_search_doc_types() | join(', ')) }}
    {%- endif -%}
    {%- if limit is not none and (limit | int) < 1 -%}
        {{ exceptions.raise_compiler_error("the search limit must be a positive number, not " ~ limit) }}
    {%- endif -%}
    {%- set k1 = var('discovery_bm25_k1') | float -%}
    {%- set b = var('discovery_bm25_b') | float -%}
    {%- set query_literal = "'" ~ (query or '') | replace("'", "''") ~ "'" -%}
    {%- set type_filter = ("doc_type = '" ~ doc_type ~ "'") if doc_type is not none else "1 = 1" -%}
with query_terms as (
    select distinct token as term
    from (select {{ discovery_word_tokens(query_literal) }} as token) as query_tokens
    where token <> ''
),

searched_documents as (
    select doc_type, doc_id, title, doc_length
    from {{ documents }}
    where {{ type_filter }}
),

collection as (
    select
        {{ as_double('count(*)') }} as n_documents,
        avg({{ as_double('doc_length') }}) as avg_doc_length
    from searched_documents
),

matches as (
    select
        indexed.term,
        indexed.doc_type,
        indexed.doc_id,
        {{ as_double('indexed.term_frequency') }} as term_frequency,
        {{ as_double('searched_documents.doc_length') }} as doc_length
    from {{ terms }} as indexed
    inner join query_terms on indexed.term = query_terms.term
    inner join searched_documents
        on indexed.doc_type = searched_documents.doc_type
        and indexed.doc_id = searched_documents.doc_id
),

document_frequency as (
    select term, {{ as_double('count(*)') }} as n_matching
    from matches
    group by term
),

scored as (
    select
        matches.doc_type,
        matches.doc_id,
        sum(
            ln(1.0 + (collection.n_documents - document_frequency.n_matching + 0.5)
                / (document_frequency.n_matching + 0.5))
            * matches.term_frequency * ({{ k1 }} + 1.0)
            / (matches.term_frequency + {{ k1 }} * (1.0 - {{ b }}
                + {{ b }} * matches.doc_length / collection.avg_doc_length))
        ) as score
    from matches
    inner join document_frequency on matches.term = document_frequency.term
    cross join collection
    group by matches.doc_type, matches.doc_id
),

ranked as (
    select
        row_number() over (order by scored.score desc, scored.doc_type, scored.doc_id) as search_rank,
        scored.doc_type,
        scored.doc_id,
        searched_documents.title,
        scored.score
    from scored
    inner join searched_documents
        on scored.doc_type = searched_documents.doc_type
        and scored.doc_id = searched_documents.doc_id
)

select search_rank, doc_type, doc_id, title, score
from ranked
{%- if limit is not none %}
where search_rank <= {{ limit | int }}
{%- endif %}
{%- endmacro %}
