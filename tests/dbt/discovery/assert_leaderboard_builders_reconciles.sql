{#- Reconciliation: leaderboard_builders recomputed from the raw tables: one row per user who lists a
    project, with their project count and the current net upvotes of those projects. -#}
with raw_projects as (
    select project_id, owner_user_id
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
),

last_actions as (
    select project_id, action
    from {{ discovery_raw_newest_event('upvotes', 'user_id, project_id') }} as upvotes
),

project_counts as (
    select
        raw_projects.project_id,
        raw_projects.owner_user_id,
        count(case when last_actions.action = 'up' then 1 end) as net_upvotes
    from raw_projects
    left join last_actions on raw_projects.project_id = last_actions.project_id
    group by raw_projects.project_id, raw_projects.owner_user_id
),

expected as (
    select owner_user_id as user_id, count(*) as projects_count, sum(net_upvotes) as net_upvotes
    from project_counts
    group by owner_user_id
),

actual as (
    select user_id, projects_count, net_upvotes
    from {{ ref('leaderboard_builders') }}
)

select
    coalesce(expected.user_id, actual.user_id) as user_id,
    expected.projects_count as expected_projects_count,
    actual.projects_count,
    expected.net_upvotes as expected_net_upvotes,
    actual.net_upvotes
from expected
full outer join actual on expected.user_id = actual.user_id
where expected.user_id is null
    or actual.user_id is null
    or expected.projects_count <> actual.projects_count
    or expected.net_upvotes <> actual.net_upvotes
