{#- The BM25 search as a model: the query in the var `search_query`, optionally restricted to one
    document type (`search_doc_type`), best `search_limit` hits. Never materialized; `warehouse search`
    compiles it and runs the SQL over the warehouse connection. -#}
{{ config(materialized='ephemeral') }}

{{ discovery_bm25_search(
    var('search_query', ''),
    var('search_doc_type', none),
    var('search_limit', 10),
    ref('search_documents'),
    ref('search_terms')
) }}
