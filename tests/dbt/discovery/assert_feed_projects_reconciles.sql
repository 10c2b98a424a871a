{#- Reconciliation: feed_projects recomputed from the raw tables. A user's last upvote action per
    project (event_seq order) is the current state; the time windows end at the newest event time
    (or the var discovery_reference_at). Fails with every project whose counts, age or score differ,
    and with every project missing on either side. -#}
with raw_projects as (
    select project_id, created_at
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
),

last_actions as (
    select user_id, project_id, action, occurred_at
    from {{ discovery_raw_newest_event('upvotes', 'user_id, project_id') }} as upvotes
),

clock as (
    select {{ discovery_reference_at(
        'greatest((select max(occurred_at) from ' ~ source('discovery', 'upvotes') ~ '), (select max(created_at) from raw_projects))'
    ) }} as reference_at
),

expected as (
    select
        raw_projects.project_id,
        count(case when last_actions.action = 'up' then 1 end) as net_upvotes,
        count(case
            when last_actions.action = 'up'
                and last_actions.occurred_at > clock.reference_at - interval '24 hours'
                and last_actions.occurred_at <= clock.reference_at then 1
        end) as upvotes_24h,
        count(case
            when last_actions.action = 'up'
                and last_actions.occurred_at > clock.reference_at - interval '7 days'
                and last_actions.occurred_at <= clock.reference_at then 1
        end) as upvotes_7d,
        max(greatest(
            {{ discovery_epoch_seconds('clock.reference_at') }} - {{ discovery_epoch_seconds('raw_projects.created_at') }},
            0
        ) / 3600.0) as age_hours
    from raw_projects
    cross join clock
    left join last_actions on raw_projects.project_id = last_actions.project_id
    group by raw_projects.project_id
),

actual as (
    select project_id, net_upvotes, upvotes_24h, upvotes_7d, age_hours, trending_score
    from {{ ref('feed_projects') }}
)

select
    coalesce(expected.project_id, actual.project_id) as project_id,
    expected.net_upvotes as expected_net_upvotes,
    actual.net_upvotes,
    expected.upvotes_24h as expected_upvotes_24h,
    actual.upvotes_24h,
    expected.upvotes_7d as expected_upvotes_7d,
    actual.upvotes_7d
from expected
full outer join actual on expected.project_id = actual.project_id
where expected.project_id is null
    or actual.project_id is null
    or expected.net_upvotes <> actual.net_upvotes
    or expected.upvotes_24h <> actual.upvotes_24h
    or expected.upvotes_7d <> actual.upvotes_7d
    or abs(expected.age_hours - actual.age_hours) > 1e-6
    or abs(
        expected.net_upvotes / power(
            expected.age_hours + {{ var('discovery_trending_age_offset_hours') }},
            {{ as_double(var('discovery_trending_gravity')) }}
        ) - actual.trending_score
    ) > 1e-9 * greatest(abs(actual.trending_score), 1e-12)
