{#- The documents of the search index, one per (doc_type, doc_id), with the text that gets tokenized:
    - project: name, tagline, description and chain name;
    - builder (a user who lists at least one project): handle and the names of the chains they build on
      (not the project texts: those belong to the project documents, so a project's name finds the
      project, not a shorter document repeating it);
    - chain: display name and slug;
    - investor: firm, handle of the user behind the profile, and the names of the focus chains. -#}
with projects as (
    select project_id, owner_user_id, chain_id, project_name, tagline, description, created_at, loaded_at
    from {{ ref('stg_discovery__projects') }}
    where not is_inferred  -- an inferred project has no text to index until it lands
),

users as (
    select user_id, handle, loaded_at
    from {{ ref('stg_community__users') }}
    where not is_inferred
),

chains as (
    select chain_id, chain_name, loaded_at
    from {{ ref('stg_discovery__chains') }}
),

investors as (
    select investor_id, user_id, firm, loaded_at
    from {{ ref('stg_discovery__investors') }}
),

investor_chains as (
    select
        investor_chains.investor_id,
        {{ dbt.listagg('chains.chain_name', "' '", 'order by investor_chains.position') }} as chain_names,
        max(chains.loaded_at) as loaded_at
    from {{ ref('int_investor_chains_split') }} as investor_chains
    inner join chains on investor_chains.chain_id = chains.chain_id
    group by investor_chains.investor_id
),

builder_chains as (
    select distinct projects.owner_user_id as user_id, chains.chain_name, chains.loaded_at
    from projects
    inner join chains on projects.chain_id = chains.chain_id
),

builders as (
    select
        projects.owner_user_id as user_id,
        max(projects.loaded_at) as loaded_at
    from projects
    group by projects.owner_user_id
),

builder_chain_names as (
    select
        user_id,
        {{ dbt.listagg('chain_name', "' '", 'order by chain_name') }} as chain_names,
        max(loaded_at) as loaded_at
    from builder_chains
    group by user_id
)

select
    'project' as doc_type,
    projects.project_id as doc_id,
    projects.project_name as title,
    concat_ws(' ', projects.project_name, projects.tagline, projects.description, chains.chain_name) as content,
    greatest(projects.loaded_at, chains.loaded_at) as newest_loaded_at
from projects
left join chains on projects.chain_id = chains.chain_id

union all

select
    'builder' as doc_type,
    builders.user_id as doc_id,
    coalesce(users.handle, builders.user_id) as title,
    concat_ws(' ', users.handle, builder_chain_names.chain_names) as content,
    greatest(builders.loaded_at, users.loaded_at, builder_chain_names.loaded_at) as newest_loaded_at
from builders
left join users on builders.user_id = users.user_id
left join builder_chain_names on builders.user_id = builder_chain_names.user_id

union all

select
    'chain' as doc_type,
    chains.chain_id as doc_id,
    chains.chain_name as title,
    concat_ws(' ', chains.chain_name, chains.chain_id) as content,
    chains.loaded_at as newest_loaded_at
from chains

union all

select
    'investor' as doc_type,
    investors.investor_id as doc_id,
    coalesce(investors.firm, users.handle, investors.investor_id) as title,
    concat_ws(' ', investors.firm, users.handle, investor_chains.chain_names) as content,
    greatest(investors.loaded_at, users.loaded_at, investor_chains.loaded_at) as newest_loaded_at
from investors
left join users on investors.user_id = users.user_id
left join investor_chains on investors.investor_id = investor_chains.investor_id
