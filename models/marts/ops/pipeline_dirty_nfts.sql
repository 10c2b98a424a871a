{#- The scoring queue (scoring.md §5, §6): every NFT with events newer than its last publication — landed
    but not yet built, or built but below the publication thresholds — with its priority (the highest of
    its pending events, from the poa_event_priorities seed) and the reasons that trigger an immediate
    build: `super_vote`, `fire`, `milestone` (its vote count crossed 5, 10, 25, 50 or 100 since the last
    publication), `high_activity` (≥ 5 votes in the 24 h before its latest event). Also the hourly batch
    candidates: NFTs with votes and no publication (batch_order 1), then NFTs whose publication is older
    than 24 h with ≥ 5 votes (batch_order 2).
    A view: the trigger check reads it between builds, so it sees events as soon as they land. -#}
{{ config(materialized='view') }}
{%- set window_hours = var('poa_activity_window_hours') %}
{%- set milestones = var('poa_trigger_milestones') | sort %}
{%- set as_of = var('poa_as_of') %}

with published as (
    select nft_id, published_at, last_event_seq, n_votes
    from {{ ref('nft_scores') }}
),

events as (
    select nft_a as nft_id, event_seq, occurred_at,
        case when is_super_vote then 'super_vote' else 'normal_vote' end as event_type
    from {{ ref('stg_community__votes') }}
    union all
    select nft_b as nft_id, event_seq, occurred_at,
        case when is_super_vote then 'super_vote' else 'normal_vote' end as event_type
    from {{ ref('stg_community__votes') }}
    union all
    select nft_id, event_seq, occurred_at, 'slider' as event_type
    from {{ ref('stg_community__sliders') }}
    union all
    select nft_id, event_seq, occurred_at, 'fire' as event_type
    from {{ ref('stg_community__fires') }}
),

pending as (
    select
        events.nft_id,
        events.event_seq,
        events.event_type,
        priorities.priority
    from events
    left join published
        on published.nft_id = events.nft_id
    inner join {{ ref('poa_event_priorities') }} as priorities
        on priorities.event_type = events.event_type
    where events.event_seq > coalesce(published.last_event_seq, -1)
),

dirty as (
    select
        nft_id,
        count(*) as n_pending_events,
        count(case when event_type in ('normal_vote', 'super_vote') then 1 end) as n_pending_votes,
        count(case when event_type = 'super_vote' then 1 end) as n_pending_super_votes,
        count(case when event_type = 'slider' then 1 end) as n_pending_sliders,
        count(case when event_type = 'fire' then 1 end) as n_pending_fires,
        max(priority) as priority,
        min(event_seq) as first_pending_event_seq,
        max(event_seq) as last_event_seq
    from pending
    group by nft_id
),

latest as (
    select
        dirty.nft_id,
        max(events.occurred_at) as last_event_at
    from dirty
    inner join events
        on events.nft_id = dirty.nft_id
    group by dirty.nft_id
),

windowed as (
    select
        latest.nft_id,
        latest.last_event_at,
        count(events.nft_id) as n_votes_24h
    from latest
    left join events
        on events.nft_id = latest.nft_id
        and events.event_type in ('normal_vote', 'super_vote')
        and events.occurred_at > {{ dbt.dateadd('hour', -1 * window_hours, 'latest.last_event_at') }}
    group by latest.nft_id, latest.last_event_at
),

flagged as (
    select
        dirty.*,
        windowed.last_event_at,
        windowed.n_votes_24h,
        published.published_at,
        published.last_event_seq as published_last_event_seq,
        coalesce(published.n_votes, 0) as published_n_votes,
        coalesce(published.n_votes, 0) + dirty.n_pending_votes as n_votes,
        case
            {%- for milestone in milestones | reverse %}
            when coalesce(published.n_votes, 0) < {{ milestone }}
                and coalesce(published.n_votes, 0) + dirty.n_pending_votes >= {{ milestone }} then {{ milestone }}
            {%- endfor %}
        end as milestone_crossed,
        dirty.n_pending_super_votes > 0 as is_super_vote_trigger,
        dirty.n_pending_fires > 0 as is_fire_trigger,
        windowed.n_votes_24h >= {{ var('poa_trigger_min_votes_in_window') }} as is_high_activity_trigger
    from dirty
    inner join windowed
        on windowed.nft_id = dirty.nft_id
    left join published
        on published.nft_id = dirty.nft_id
),

reasons as (
    select
        flagged.*,
        milestone_crossed is not null as is_milestone_trigger,
        nullif(concat_ws(',',
            case when is_super_vote_trigger then 'super_vote' end,
            case when is_fire_trigger then 'fire' end,
            case when milestone_crossed is not null then 'milestone' end,
            case when is_high_activity_trigger then 'high_activity' end
        ), '') as trigger_reasons
    from flagged
)

select
    reasons.nft_id,
    nfts.collection,
    reasons.priority,
    reasons.trigger_reasons,
    reasons.trigger_reasons is not null as is_triggered,
    reasons.is_super_vote_trigger,
    reasons.is_fire_trigger,
    reasons.is_milestone_trigger,
    reasons.is_high_activity_trigger,
    reasons.milestone_crossed,
    case
        when reasons.published_at is null and reasons.n_votes > 0 then 1
        when reasons.published_at < {{ dbt.dateadd('hour', -1 * var('poa_batch_stale_after_hours'), poa_as_of(as_of)) }}
            and reasons.n_votes >= {{ var('poa_batch_min_votes') }} then 2
    end as batch_order,
    reasons.n_pending_events,
    reasons.n_pending_votes,
    reasons.n_pending_super_votes,
    reasons.n_pending_sliders,
    reasons.n_pending_fires,
    reasons.n_votes,
    reasons.n_votes_24h,
    reasons.published_n_votes,
    reasons.published_at,
    reasons.published_last_event_seq,
    reasons.first_pending_event_seq,
    reasons.last_event_seq,
    reasons.last_event_at
from reasons
left join {{ ref('stg_community__nfts') }} as nfts
    on nfts.nft_id = reasons.nft_id
