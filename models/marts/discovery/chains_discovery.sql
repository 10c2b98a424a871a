{#- Every chain with what is built and discussed on it, and its top trending project. -#}
with chains as (
    select chain_id, chain_name, loaded_at
    from {{ ref('stg_discovery__chains') }}
),

feed as (
    select project_id, project_name, owner_user_id, chain_id, net_upvotes, trending_rank,
        newest_event_seq, newest_loaded_at
    from {{ ref('feed_projects') }}
),

chain_projects as (
    select
        chain_id,
        count(*) as projects_count,
        count(distinct owner_user_id) as builders_count,
        cast(sum(net_upvotes) as bigint) as net_upvotes,
        min(trending_rank) as top_trending_rank
    from feed
    group by chain_id
),

posts as (
    select chain_id, event_seq, loaded_at
    from {{ ref('stg_discovery__chain_posts') }}
),

chain_forum as (
    select chain_id, count(*) as posts_count
    from posts
    group by chain_id
)

select
    chains.chain_id,
    chains.chain_name,
    coalesce(chain_projects.projects_count, 0) as projects_count,
    coalesce(chain_projects.builders_count, 0) as builders_count,
    coalesce(chain_projects.net_upvotes, 0) as net_upvotes,
    coalesce(chain_forum.posts_count, 0) as posts_count,
    top_project.project_id as top_trending_project_id,
    top_project.project_name as top_trending_project_name,
    {{ build_time() }} as as_of,
    greatest((select max(newest_event_seq) from feed), (select max(event_seq) from posts)) as newest_event_seq,
    greatest(
        (select max(loaded_at) from chains),
        (select max(newest_loaded_at) from feed),
        (select max(loaded_at) from posts)
    ) as newest_loaded_at
from chains
left join chain_projects on chains.chain_id = chain_projects.chain_id
left join chain_forum on chains.chain_id = chain_forum.chain_id
left join feed as top_project on chain_projects.top_trending_rank = top_project.trending_rank
