{#- The scoring queue (scoring.md §5, §6): every NFT with events newer than its last publication — landed
    but not yet built, or built but below the publication thresholds — with its priority (the highest of
    its pending events, from the poa_event_priorities seed) and the reasons that trigger an immediate
    build: `super_vote`, `fire`, `milestone` (its vote count crossed 5, 10, 25, 50 or 100 since the last
    publication), `high_activity` (≥ 5 votes in the 24 h before its latest event). Also the hourly batch
    candidates: NFTs with votes and no publication (batch_order 1), then NFTs whose publication is older
    than 24 h with ≥ 5 votes (batch_order 2).
    A view, so the trigger check sees events as soon as they land, and a cheap one: the built events'
    share comes from ops.pipeline_pending_nfts (one row per NFT, maintained by the build); only the
    events landed after that model's mark are read from staging, and for the NFTs they touch, the votes
    of the trailing window. Its cost follows the unbuilt events, not the history. -#}
{{ config(materialized='view') }}
{%- set window_hours = var('poa_activity_window_hours') %}
{%- set milestones = var('poa_trigger_milestones') | sort %}
{%- set as_of = var('poa_as_of') %}
{#- The state's mark, read when the build creates this view (just after the state): as a constant, it lets
    the engine skip the history (DuckDB's zone maps, PostgreSQL's event_seq index); the state's current
    mark is applied too, so that the view stays exact if the state moves on without it. -#}
{%- set built_mark = pipeline_pending_mark(ref('pipeline_pending_nfts')) %}
{%- set mark = "(select coalesce(max(last_event_seq), -1) from " ~ ref('pipeline_pending_nfts') ~ ")" %}

with published as (
    select nft_id, published_at, last_event_seq, n_votes
    from {{ ref('nft_scores') }}
),

built as (
    select *
    from {{ ref('pipeline_pending_nfts') }}
),

fresh_events as (
    select nft_a as nft_id, event_seq, occurred_at,
        case when is_super_vote then 'super_vote' else 'normal_vote' end as event_type
    from {{ ref('stg_community__votes') }}
    where event_seq > {{ built_mark }} and event_seq > {{ mark }}
    union all
    select nft_b as nft_id, event_seq, occurred_at,
        case when is_super_vote then 'super_vote' else 'normal_vote' end as event_type
    from {{ ref('stg_community__votes') }}
    where event_seq > {{ built_mark }} and event_seq > {{ mark }}
    union all
    select nft_id, event_seq, occurred_at, 'slider' as event_type
    from {{ ref('stg_community__sliders') }}
    where event_seq > {{ built_mark }} and event_seq > {{ mark }}
    union all
    select nft_id, event_seq, occurred_at, 'fire' as event_type
    from {{ ref('stg_community__fires') }}
    where event_seq > {{ built_mark }} and event_seq > {{ mark }}
),

fresh as (
    select
        fresh_events.nft_id,
        count(*) as n_pending_events,
        count(case when fresh_events.event_type in ('normal_vote', 'super_vote') then 1 end) as n_pending_votes,
        count(case when fresh_events.event_type = 'super_vote' then 1 end) as n_pending_super_votes,
        count(case when fresh_events.event_type = 'slider' then 1 end) as n_pending_sliders,
        count(case when fresh_events.event_type = 'fire' then 1 end) as n_pending_fires,
        max(priorities.priority) as priority,
        min(fresh_events.event_seq) as first_pending_event_seq,
        max(fresh_events.event_seq) as last_event_seq,
        max(fresh_events.occurred_at) as last_event_at
    from fresh_events
    left join published
        on published.nft_id = fresh_events.nft_id
    inner join {{ ref('poa_event_priorities') }} as priorities
        on priorities.event_type = fresh_events.event_type
    where fresh_events.event_seq > coalesce(published.last_event_seq, -1)
    group by fresh_events.nft_id
),

-- the NFTs with unbuilt events: their latest event of any kind, built or not
fresh_latest as (
    select
        fresh.nft_id,
        case
            when built.last_event_at is not null and built.last_event_at > fresh.last_event_at
                then built.last_event_at
            else fresh.last_event_at
        end as last_event_at
    from fresh
    left join built
        on built.nft_id = fresh.nft_id
),

-- and their votes, built or not, in the window before it (an inner join: with nothing landed since the
-- build, the votes are not read at all)
fresh_window_votes as (
    select fresh_latest.nft_id, count(*) as n_votes_24h
    from (
        select nft_a as nft_id, occurred_at from {{ ref('stg_community__votes') }}
        union all
        select nft_b as nft_id, occurred_at from {{ ref('stg_community__votes') }}
    ) as sides
    inner join fresh_latest
        on fresh_latest.nft_id = sides.nft_id
        and sides.occurred_at > {{ dbt.dateadd('hour', -1 * window_hours, 'fresh_latest.last_event_at') }}
    group by fresh_latest.nft_id
),

fresh_windowed as (
    select
        fresh_latest.nft_id,
        coalesce(fresh_window_votes.n_votes_24h, 0) as n_votes_24h
    from fresh_latest
    left join fresh_window_votes
        on fresh_window_votes.nft_id = fresh_latest.nft_id
),

dirty as (
    select
        coalesce(fresh.nft_id, built.nft_id) as nft_id,
        coalesce(built.n_pending_events, 0) + coalesce(fresh.n_pending_events, 0) as n_pending_events,
        coalesce(built.n_pending_votes, 0) + coalesce(fresh.n_pending_votes, 0) as n_pending_votes,
        coalesce(built.n_pending_super_votes, 0) + coalesce(fresh.n_pending_super_votes, 0) as n_pending_super_votes,
        coalesce(built.n_pending_sliders, 0) + coalesce(fresh.n_pending_sliders, 0) as n_pending_sliders,
        coalesce(built.n_pending_fires, 0) + coalesce(fresh.n_pending_fires, 0) as n_pending_fires,
        case
            when built.priority is null then fresh.priority
            when fresh.priority is null or built.priority >= fresh.priority then built.priority
            else fresh.priority
        end as priority,
        -- built events all come before unbuilt ones
        coalesce(built.first_pending_event_seq, fresh.first_pending_event_seq) as first_pending_event_seq,
        coalesce(fresh.last_event_seq, built.last_pending_event_seq) as last_event_seq
    from built
    full outer join fresh
        on fresh.nft_id = built.nft_id
    where built.n_pending_events > 0 or fresh.nft_id is not null
),

windowed as (
    select
        dirty.nft_id,
        coalesce(fresh_latest.last_event_at, built.last_event_at) as last_event_at,
        coalesce(fresh_windowed.n_votes_24h, built.n_votes_24h) as n_votes_24h
    from dirty
    left join built
        on built.nft_id = dirty.nft_id
    left join fresh_latest
        on fresh_latest.nft_id = dirty.nft_id
    left join fresh_windowed
        on fresh_windowed.nft_id = dirty.nft_id
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
-- landed NFTs only: an inferred member's collection is null anyway, and the filter lets both engines skip
-- the inferred members' scan of every event
left join (select nft_id, collection from {{ ref('stg_community__nfts') }} where not is_inferred) as nfts
    on nfts.nft_id = reasons.nft_id
