{#- The sequential steps leave no event behind: every staged vote has its row in int_votes_rated and every
    staged slider in int_sliders_calibrated (the models' relationship tests check the converse). -#}
select 'vote' as event_kind, votes.event_seq
from {{ ref('stg_community__votes') }} as votes
left join {{ ref('int_votes_rated') }} as rated
    on rated.event_seq = votes.event_seq
where rated.event_seq is null
union all
select 'slider' as event_kind, sliders.event_seq
from {{ ref('stg_community__sliders') }} as sliders
left join {{ ref('int_sliders_calibrated') }} as calibrated
    on calibrated.event_seq = sliders.event_seq
where calibrated.event_seq is null
