-- Member metrics in long format, one row per (member, metric, window, snapshot the member is in):
-- `as_of` is the snapshot's fetch time. A metric that cannot be computed there is a row with a null
-- value (no baseline 7/30 days back, nothing received, no player details).
{%- set windows = var('clans_trophy_delta_days') %}
with resolved as (
    select clan_tag, member_tag, fetched_at as as_of, version_at, trophies, donations, donations_received
    from {{ ref('int_snapshot_members_resolved') }}
),

tenure as (
    select
        r.clan_tag,
        r.member_tag,
        r.as_of,
        {{ dbt.datediff('s.joined_at', 'r.as_of', 'day') }} as tenure_days
    from resolved as r
    inner join {{ ref('int_member_spells_grouped') }} as s
        on s.clan_tag = r.clan_tag and s.member_tag = r.member_tag
        and r.as_of >= s.joined_at and r.as_of <= s.last_seen_at
),

probes as (
    {%- for days in windows %}
    select
        clan_tag,
        member_tag,
        as_of,
        '{{ days }}d' as metric_window,
        {{ dbt.dateadd('day', -1 * days, 'as_of') }} as probe_at
    from resolved
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- the baseline of a trophy delta: the member's latest observation at or before as_of − N days
timeline as (
    select clan_tag, member_tag, cast(probe_at as timestamp) as point_at, 1 as is_probe, as_of, metric_window
    from probes
    union all
    select clan_tag, member_tag, as_of as point_at, 0 as is_probe, cast(null as timestamp) as as_of,
        cast(null as {{ dbt.type_string() }}) as metric_window
    from resolved
),

baselines as (
    select
        clan_tag,
        member_tag,
        as_of,
        metric_window,
        is_probe,
        max(case when is_probe = 0 then point_at end) over (
            partition by clan_tag, member_tag order by point_at, is_probe
            rows between unbounded preceding and current row
        ) as baseline_at
    from timeline
),

trophy_deltas as (
    select
        b.clan_tag,
        b.member_tag,
        b.as_of,
        b.metric_window,
        now_.trophies - base.trophies as trophy_delta
    from baselines as b
    inner join resolved as now_
        on now_.clan_tag = b.clan_tag and now_.member_tag = b.member_tag and now_.as_of = b.as_of
    left join resolved as base
        on base.clan_tag = b.clan_tag and base.member_tag = b.member_tag and base.as_of = b.baseline_at
    where b.is_probe = 1
),

rush as (
    select
        r.clan_tag,
        r.member_tag,
        r.as_of,
        s.rush_pct_lab,
        s.rush_pct_hero,
        s.rush_pct_overall
    from resolved as r
    left join {{ ref('int_member_rush_scored') }} as s
        on s.clan_tag = r.clan_tag and s.member_tag = r.member_tag and s.version_at = r.version_at
),

metrics as (
    select clan_tag, member_tag, 'donation_balance' as metric_name, 'season' as metric_window, as_of,
        {{ as_double('donations - donations_received') }} as metric_value
    from resolved
    union all
    select clan_tag, member_tag, 'donation_ratio', 'season', as_of,
        {{ as_double('donations') }} / nullif(donations_received, 0)
    from resolved
    union all
    select clan_tag, member_tag, 'trophy_delta', metric_window, as_of, {{ as_double('trophy_delta') }}
    from trophy_deltas
    union all
    select clan_tag, member_tag, 'tenure_days', 'spell', as_of, {{ as_double('tenure_days') }}
    from tenure
    union all
    select clan_tag, member_tag, 'rush_pct_lab', 'point', as_of, rush_pct_lab
    from rush
    union all
    select clan_tag, member_tag, 'rush_pct_hero', 'point', as_of, rush_pct_hero
    from rush
    union all
    select clan_tag, member_tag, 'rush_pct_overall', 'point', as_of, rush_pct_overall
    from rush
)

select
    clan_tag,
    member_tag,
    metric_name,
    metric_window as {{ adapter.quote('window') }},
    as_of,
    metric_value as {{ adapter.quote('value') }}
from metrics
