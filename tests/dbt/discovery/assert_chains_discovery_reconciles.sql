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

chain_projects as (
    select chain_id, count(*) as projects_count, count(distinct owner_user_id) as builders_count
    from projects
    group by chain_id
),

chain_upvotes as (
    select projects.chain_id, count(*) as net_upvotes
    from last_actions
    inner join projects on last_actions.project_id = projects.project_id
    where last_actions.action = 'up'
    group by projects.chain_id
),

chain_forum as (
    select chain_id, count(*) as posts_count
    from {{ source('discovery', 'chain_posts') }}
    group by chain_id
),

top_trending as (
    select chain_id, project_id as top_trending_project_id
    from (
        select
            chain_id, project_id,
            row_number() over (partition by chain_id order by trending_rank) as chain_rank
        from {{ ref('feed_projects') }}
    ) as ranked
    where chain_rank = 1
),

expected as (
    select
        chains.chain_id,
        coalesce(chain_projects.projects_count, 0) as projects_count,
        coalesce(chain_projects.builders_count, 0) as builders_count,
        coalesce(chain_upvotes.net_upvotes, 0) as net_upvotes,
        coalesce(chain_forum.posts_count, 0) as posts_count,
        top_trending.top_trending_project_id
    from chains
    left join chain_projects on chains.chain_id = chain_projects.chain_id
    left join chain_upvotes on chains.chain_id = chain_upvotes.chain_id
    left join chain_forum on chains.chain_id = chain_forum.chain_id
    left join top_trending on chains.chain_id = top_trending.chain_id
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
