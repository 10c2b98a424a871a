{#- The inverted index of the search: one row per (term, document) with the term's frequency in the
    document. Terms are the lower-cased word tokens of `discovery_word_tokens` (runs of [a-z0-9]). -#}
with documents as (
    select doc_type, doc_id, content
    from {{ ref('int_search_documents_assembled') }}
),

tokens as (
    select doc_type, doc_id, {{ discovery_word_tokens('content') }} as term
    from documents
)

select
    term,
    doc_type,
    doc_id,
    count(*) as term_frequency,
    {{ build_time() }} as as_of,
    (select max(newest_loaded_at) from {{ ref('int_search_documents_assembled') }}) as newest_loaded_at
from tokens
where term <> ''
group by term, doc_type, doc_id
