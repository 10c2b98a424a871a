{#- The project page: the project with its owner's handle, its chain's name, and its counts. -#}
with feed as (
    select project_id, net_upvotes, upvotes_24h, upvotes_7d, trending_rank, newest_event_seq, newest_loaded_at
    from {{ ref('feed_projects') }}
),

projects as (
    select project_id, owner_user_id, chain_id, project_name, tagline, description, created_at
    from {{ ref('stg_discovery__projects') }}
    where not is_inferred  -- an inferred project (named by facts, not landed) is listed once it lands
),

users as (
    select user_id, handle, loaded_at
    from {{ ref('stg_community__users') }}
    where not is_inferred  -- an inferred user (named by facts, not landed) has no handle and no row of its own
),

chains as (
    select chain_id, chain_name, loaded_at
    from {{ ref('stg_discovery__chains') }}
),

leaderboard as (
    select project_id, leaderboard_rank
    from {{ ref('leaderboard_projects') }}
),

requests as (
    select project_id, event_seq, loaded_at
    from {{ ref('int_intro_requests_resolved') }}
),

project_requests as (
    select project_id, count(*) as intro_requests_count
    from requests
    where project_id is not null
    group by project_id
)

select
    projects.project_id,
    projects.project_name,
    projects.tagline,
    projects.description,
    projects.created_at,
    projects.owner_user_id,
    users.handle as owner_handle,
    projects.chain_id,
    chains.chain_name,
    feed.net_upvotes,
    feed.upvotes_24h,
    feed.upvotes_7d,
    coalesce(project_requests.intro_requests_count, 0) as intro_requests_count,
    feed.trending_rank,
    leaderboard.leaderboard_rank,
    {{ build_time() }} as as_of,
    greatest((select max(newest_event_seq) from feed), (select max(event_seq) from requests)) as newest_event_seq,
    greatest(
        (select max(newest_loaded_at) from feed),
        (select max(loaded_at) from users),
        (select max(loaded_at) from chains),
        (select max(loaded_at) from requests)
    ) as newest_loaded_at
from projects
inner join feed on projects.project_id = feed.project_id
inner join leaderboard on projects.project_id = leaderboard.project_id
left join users on projects.owner_user_id = users.user_id
left join chains on projects.chain_id = chains.chain_id
left join project_requests on projects.project_id = project_requests.project_id
