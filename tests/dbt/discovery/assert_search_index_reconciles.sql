{#- Reconciliation: the search index holds exactly one document per project, builder (a user who lists
    a project), chain and investor of the raw tables, and each document's length is the number of
    word tokens of its content, which is the sum of its term frequencies in search_terms. -#}
with expected as (
    select 'project' as doc_type, project_id as doc_id
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
    union
    select 'builder' as doc_type, owner_user_id as doc_id
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
    union
    select 'chain' as doc_type, chain_id as doc_id
    from {{ discovery_raw_newest_dimension('chains', 'chain_id') }} as chains
    union
    select 'investor' as doc_type, investor_id as doc_id
    from {{ discovery_raw_newest_dimension('investors', 'investor_id') }} as investors
),

tokens as (
    select doc_type, doc_id, {{ discovery_word_tokens('content') }} as token
    from {{ ref('search_documents') }}
),

token_counts as (
    select doc_type, doc_id, count(*) as n_tokens
    from tokens
    where token <> ''
    group by doc_type, doc_id
),

term_sums as (
    select doc_type, doc_id, sum(term_frequency) as n_tokens
    from {{ ref('search_terms') }}
    group by doc_type, doc_id
),

actual as (
    select doc_type, doc_id, doc_length
    from {{ ref('search_documents') }}
)

select
    coalesce(expected.doc_type, actual.doc_type) as doc_type,
    coalesce(expected.doc_id, actual.doc_id) as doc_id
from expected
full outer join actual on expected.doc_type = actual.doc_type and expected.doc_id = actual.doc_id
left join token_counts on actual.doc_type = token_counts.doc_type and actual.doc_id = token_counts.doc_id
left join term_sums on actual.doc_type = term_sums.doc_type and actual.doc_id = term_sums.doc_id
where expected.doc_id is null
    or actual.doc_id is null
    or actual.doc_length <> coalesce(token_counts.n_tokens, 0)
    or actual.doc_length <> coalesce(term_sums.n_tokens, 0)
