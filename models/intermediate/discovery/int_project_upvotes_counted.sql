{#- Every listed project with its upvote counts from the current upvote state, and the reference time
    ("now") of the time-relative counts: the var `discovery_reference_at`, else the newest event time
    of the inputs (newest upvote action or project listing), so a build is deterministic and an
    incremental build equals a full refresh. -#}
with projects as (
    select project_id, owner_user_id, chain_id, created_at, loaded_at
    from {{ ref('stg_discovery__projects') }}
    where not is_inferred  -- listed once its row lands, with every upvote it received before
),

upvote_state as (
    select user_id, project_id, is_up, last_action_at, latest_action_at, event_seq, loaded_at
    from {{ ref('int_upvotes_resolved') }}
),

clock as (
    select
        {{ discovery_reference_at(
            'greatest((select max(latest_action_at) from upvote_state), (select max(created_at) from projects))'
        ) }} as reference_at
),

project_upvotes as (
    select
        upvote_state.project_id,
        count(case when upvote_state.is_up then 1 end) as net_upvotes,
        count(case
            when upvote_state.is_up
                and upvote_state.last_action_at > {{ dbt.dateadd('hour', -24, 'clock.reference_at') }}
                and upvote_state.last_action_at <= clock.reference_at
                then 1
        end) as upvotes_24h,
        count(case
            when upvote_state.is_up
                and upvote_state.last_action_at > {{ dbt.dateadd('day', -7, 'clock.reference_at') }}
                and upvote_state.last_action_at <= clock.reference_at
                then 1
        end) as upvotes_7d,
        count(*) as upvoters_count,
        max(upvote_state.event_seq) as newest_event_seq,
        max(upvote_state.loaded_at) as newest_loaded_at
    from upvote_state
    cross join clock
    group by upvote_state.project_id
)

select
    projects.project_id,
    projects.owner_user_id,
    projects.chain_id,
    projects.created_at,
    coalesce(project_upvotes.net_upvotes, 0) as net_upvotes,
    coalesce(project_upvotes.upvotes_24h, 0) as upvotes_24h,
    coalesce(project_upvotes.upvotes_7d, 0) as upvotes_7d,
    coalesce(project_upvotes.upvoters_count, 0) as upvoters_count,
    clock.reference_at,
    project_upvotes.newest_event_seq,
    greatest(projects.loaded_at, project_upvotes.newest_loaded_at) as newest_loaded_at
from projects
cross join clock
left join project_upvotes on projects.project_id = project_upvotes.project_id
