{#- The feed: every listed project with its trending score
    net_upvotes / (age_hours + offset) ^ gravity  (vars discovery_trending_age_offset_hours, _gravity). -#}
with counted as (
    select
        project_id,
        owner_user_id,
        chain_id,
        created_at,
        net_upvotes,
        upvotes_24h,
        upvotes_7d,
        reference_at,
        greatest({{ discovery_hours_between('created_at', 'reference_at') }}, 0.0) as age_hours,
        newest_event_seq,
        newest_loaded_at
    from {{ ref('int_project_upvotes_counted') }}
),

projects as (
    select project_id, project_name, tagline
    from {{ ref('stg_discovery__projects') }}
    where not is_inferred  -- int_project_upvotes_counted lists the landed projects only
),

scored as (
    select
        counted.*,
        counted.net_upvotes / power(
            counted.age_hours + {{ as_double(var('discovery_trending_age_offset_hours')) }},
            {{ as_double(var('discovery_trending_gravity')) }}
        ) as trending_score
    from counted
)

select
    scored.project_id,
    projects.project_name,
    projects.tagline,
    scored.owner_user_id,
    scored.chain_id,
    scored.created_at,
    scored.net_upvotes,
    scored.upvotes_24h,
    scored.upvotes_7d,
    scored.age_hours,
    scored.trending_score,
    row_number() over (
        order by scored.trending_score desc, scored.created_at desc, scored.project_id
    ) as trending_rank,
    scored.reference_at,
    {{ build_time() }} as as_of,
    max(scored.newest_event_seq) over () as newest_event_seq,
    max(scored.newest_loaded_at) over () as newest_loaded_at
from scored
inner join projects on scored.project_id = projects.project_id
