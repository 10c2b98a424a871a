{#- Per user (scoring.md §7): slider habits from the Welford step, reliability from the Elo step (the prior
    α₀/(α₀ + β₀) = 0.6 for users who never voted), and activity counts; every known user.
    Incremental: a build touches only the users with events since its mark (event_seq) and the users not in
    the table yet; nobody else's values can have changed. -#}
{{ config(materialized='incremental', unique_key='user_id') }}
{%- set prior_reliability = as_double(var('poa_reliability_alpha0')) ~ ' / ('
    ~ var('poa_reliability_alpha0') ~ ' + ' ~ var('poa_reliability_beta0') ~ ')' %}

with new_events as (
    select user_id, event_seq, false as is_fire
    from {{ ref('stg_community__votes') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select user_id, event_seq, false as is_fire
    from {{ ref('stg_community__sliders') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select user_id, event_seq, true as is_fire
    from {{ ref('stg_community__fires') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
),

active as (
    select
        user_id,
        count(case when is_fire then 1 end) as n_new_fires,
        max(event_seq) as last_event_seq
    from new_events
    group by user_id
),

touched as (
    select users.user_id
    from {{ ref('stg_community__users') }} as users
    {% if is_incremental() -%}
    where users.user_id in (select user_id from active)
        or users.user_id not in (select user_id from {{ this }})
    {%- endif %}
),

stored as (
    {% if is_incremental() -%}
    select user_id, n_fires, last_event_seq
    from {{ this }}
    where user_id in (select user_id from touched)
    {%- else -%}
    select user_id, n_new_fires as n_fires, last_event_seq
    from active
    where 1 = 0
    {%- endif %}
)

select
    touched.user_id,
    coalesce(calibrated.n_sliders, 0) as n_sliders,
    calibrated.slider_mean,
    case
        when calibrated.n_sliders >= 2
            then sqrt(calibrated.slider_m2 / (calibrated.n_sliders - 1))
    end as slider_std,
    coalesce(voters.reliability, {{ prior_reliability }}) as reliability,
    coalesce(voters.n_votes, 0) as n_votes,
    coalesce(voters.n_super_votes, 0) as n_super_votes,
    coalesce(stored.n_fires, 0) + coalesce(active.n_new_fires, 0) as n_fires,
    case
        when stored.last_event_seq is null or active.last_event_seq > stored.last_event_seq
            then active.last_event_seq
        else stored.last_event_seq
    end as last_event_seq
from touched
left join active
    on active.user_id = touched.user_id
left join stored
    on stored.user_id = touched.user_id
left join {{ ref('int_users_calibrated') }} as calibrated
    on calibrated.user_id = touched.user_id
left join {{ ref('int_voters_assessed') }} as voters
    on voters.user_id = touched.user_id
