{#- Current slider statistics of every user who has rated: (n, mean, M2) after the user's latest slider
    (the Welford step stores the merged state on every row). Incremental: reads only the calibrated
    sliders since its own mark; the Welford step reads this table as its stored state. -#}
{{ config(materialized='incremental', unique_key='user_id') }}

with new_sliders as (
    select event_seq, user_id, user_n_sliders, user_slider_mean, user_slider_m2
    from {{ ref('int_sliders_calibrated') }}
    where {{ since_last_run('event_seq', 'last_slider_seq') }}
),

latest as (
    select user_id, max(event_seq) as last_slider_seq
    from new_sliders
    group by user_id
)

select
    latest.user_id,
    new_sliders.user_n_sliders as n_sliders,
    new_sliders.user_slider_mean as slider_mean,
    new_sliders.user_slider_m2 as slider_m2,
    latest.last_slider_seq
from latest
inner join new_sliders
    on new_sliders.event_seq = latest.last_slider_seq
