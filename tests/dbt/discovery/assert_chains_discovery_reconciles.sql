{#- Reconciliation: chains_discovery recomputed from the raw tables: per chain, its projects, their
    distinct builders and current net upvotes, its forum posts; the top trending project is the
    chain's project with the best trending_rank in feed_projects (itself reconciled separately). -#}
with chains as (
    select chain_id
    from {{ discovery_raw_newest_dimension('chains', 'chain_id') }} as chains
),

projects as (
    select project_id, owner_user_id, chain_id
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
),

last_actions as (
    select project_id, action
    from {{ discovery_raw_newest_event('upvotes', 'user_id, project_id') }} as upvotes
),

expected as (
    select
        chains.chain_id,
        (select count(*) from projects where projects.chain_id = chains.chain_id) as projects_count,
        (select count(distinct owner_user_id) from projects where projects.chain_id = chains.chain_id)
            as builders_count,
        (select count(*) from last_actions inner join projects on last_actions.project_id = projects.project_id
            where projects.chain_id = chains.chain_id and last_actions.action = 'up') as net_upvotes,
        (select count(*) from {{ source('discovery', 'chain_posts') }} as posts where posts.chain_id = chains.chain_id)
            as posts_count,
        (select feed.project_id from {{ ref('feed_projects') }} as feed
            where feed.chain_id = chains.chain_id order by feed.trending_rank limit 1) as top_trending_project_id
    from chains
),

actual as (
    select chain_id, projects_count, builders_count, net_upvotes, posts_count, top_trending_project_id
    from {{ ref('chains_discovery') }}
)

select coalesce(expected.chain_id, actual.chain_id) as chain_id
from expected
full outer join actual on expected.chain_id = actual.chain_id
where expected.chain_id is null
    or actual.chain_id is null
    or expected.projects_count <> actual.projects_count
    or expected.builders_count <> actual.builders_count
    or expected.net_upvotes <> actual.net_upvotes
    or expected.posts_count <> actual.posts_count
    or expected.top_trending_project_id is distinct from actual.top_trending_project_id
