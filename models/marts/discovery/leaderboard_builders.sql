{#- Builders (users who list at least one project) ranked by the total current net upvotes of their
    projects; ties go to more projects, then the earlier first listing, then user_id. -#}
with builders as (
    select
        owner_user_id as user_id,
        count(*) as projects_count,
        cast(sum(net_upvotes) as bigint) as net_upvotes,
        min(created_at) as first_listed_at,
        max(newest_event_seq) as newest_event_seq,
        max(newest_loaded_at) as newest_loaded_at
    from {{ ref('int_project_upvotes_counted') }}
    group by owner_user_id
),

users as (
    select user_id, handle, loaded_at
    from {{ ref('stg_community__users') }}
    where not is_inferred  -- an inferred user (named by facts, not landed) has no handle and no row of its own
)

select
    builders.user_id,
    users.handle,
    builders.projects_count,
    builders.net_upvotes,
    builders.first_listed_at,
    row_number() over (
        order by builders.net_upvotes desc, builders.projects_count desc, builders.first_listed_at, builders.user_id
    ) as leaderboard_rank,
    {{ build_time() }} as as_of,
    max(builders.newest_event_seq) over () as newest_event_seq,
    max(greatest(builders.newest_loaded_at, users.loaded_at)) over () as newest_loaded_at
from builders
left join users on builders.user_id = users.user_id
