{#- All-time project leaderboard: current net upvotes; ties go to the earlier listing, then project_id. -#}
with counted as (
    select project_id, owner_user_id, chain_id, created_at, net_upvotes, newest_event_seq, newest_loaded_at
    from {{ ref('int_project_upvotes_counted') }}
),

projects as (
    select project_id, project_name
    from {{ ref('stg_discovery__projects') }}
    where not is_inferred  -- int_project_upvotes_counted lists the landed projects only
)

select
    counted.project_id,
    projects.project_name,
    counted.owner_user_id,
    counted.chain_id,
    counted.created_at,
    counted.net_upvotes,
    row_number() over (
        order by counted.net_upvotes desc, counted.created_at, counted.project_id
    ) as leaderboard_rank,
    {{ build_time() }} as as_of,
    max(counted.newest_event_seq) over () as newest_event_seq,
    max(counted.newest_loaded_at) over () as newest_loaded_at
from counted
inner join projects on counted.project_id = projects.project_id
