{#- Reconciliation: leaderboard_projects recomputed from the raw tables (net upvotes from each user's
    last action per project in event_seq order; rank by net upvotes, ties to the earlier listing). -#}
with raw_projects as (
    select project_id, created_at
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
),

last_actions as (
    select project_id, action
    from {{ discovery_raw_newest_event('upvotes', 'user_id, project_id') }} as upvotes
),

counted as (
    select
        raw_projects.project_id,
        raw_projects.created_at,
        count(case when last_actions.action = 'up' then 1 end) as net_upvotes
    from raw_projects
    left join last_actions on raw_projects.project_id = last_actions.project_id
    group by raw_projects.project_id, raw_projects.created_at
),

expected as (
    select
        project_id,
        net_upvotes,
        row_number() over (order by net_upvotes desc, created_at, project_id) as leaderboard_rank
    from counted
),

actual as (
    select project_id, net_upvotes, leaderboard_rank
    from {{ ref('leaderboard_projects') }}
)

select
    coalesce(expected.project_id, actual.project_id) as project_id,
    expected.net_upvotes as expected_net_upvotes,
    actual.net_upvotes,
    expected.leaderboard_rank as expected_rank,
    actual.leaderboard_rank
from expected
full outer join actual on expected.project_id = actual.project_id
where expected.project_id is null
    or actual.project_id is null
    or expected.net_upvotes <> actual.net_upvotes
    or expected.leaderboard_rank <> actual.leaderboard_rank
