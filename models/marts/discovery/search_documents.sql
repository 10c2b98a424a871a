{#- The documents of the search index with their length in tokens (the BM25 document length). -#}
with documents as (
    select doc_type, doc_id, title, content, newest_loaded_at
    from {{ ref('int_search_documents_assembled') }}
),

lengths as (
    select doc_type, doc_id, cast(sum(term_frequency) as bigint) as doc_length
    from {{ ref('search_terms') }}
    group by doc_type, doc_id
)

select
    documents.doc_type,
    documents.doc_id,
    documents.title,
    documents.content,
    coalesce(lengths.doc_length, 0) as doc_length,
    {{ build_time() }} as as_of,
    (select max(newest_loaded_at) from documents) as newest_loaded_at
from documents
left join lengths
    on documents.doc_type = lengths.doc_type
    and documents.doc_id = lengths.doc_id
