{#- Per user (scoring.md §7): slider habits from the Welford step, reliability from the Elo step (the
    prior α₀/(α₀ + β₀) = 0.6 for users who never voted), and activity counts. Every known user. -#}
{%- set prior_reliability = poa_float(var('poa_reliability_alpha0')) ~ ' / ('
    ~ var('poa_reliability_alpha0') ~ ' + ' ~ var('poa_reliability_beta0') ~ ')' %}

with fires as (
    select user_id, count(*) as n_fires
    from {{ ref('stg_community__fires') }}
    group by user_id
)

select
    users.user_id,
    coalesce(calibrated.n_sliders, 0) as n_sliders,
    calibrated.slider_mean,
    case
        when calibrated.n_sliders >= 2
            then sqrt(calibrated.slider_m2 / (calibrated.n_sliders - 1))
    end as slider_std,
    coalesce(voters.reliability, {{ prior_reliability }}) as reliability,
    coalesce(voters.n_votes, 0) as n_votes,
    coalesce(voters.n_super_votes, 0) as n_super_votes,
    coalesce(fires.n_fires, 0) as n_fires
from {{ ref('stg_community__users') }} as users
left join {{ ref('int_users_calibrated') }} as calibrated
    on calibrated.user_id = users.user_id
left join {{ ref('int_voters_assessed') }} as voters
    on voters.user_id = users.user_id
left join fires
    on fires.user_id = users.user_id
