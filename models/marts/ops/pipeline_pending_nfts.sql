{#- The scoring queue's state as of the last build (scoring.md §5, §6): for every NFT with events, its
    built events newer than its last publication, counted by kind, with their highest priority and
    event_seq range, and the NFT's latest built event (event_seq, time, votes in the window before it).
    ops.pipeline_dirty_nfts adds the events landed since to these rows, so that the trigger check reads
    a few thousand rows and the events past this model's mark, never the history.

    Incremental: reads only the events since its own mark (the largest last_event_seq) and re-derives
    the rows of the NFTs they touch and of the NFTs published again by this build. A publication covers
    every built event of its NFT (nft_scores.last_event_seq is the NFT's latest built event), so a
    republished NFT keeps only the new events past it; an NFT not published again keeps its pending
    counts and adds the new events. The result equals recounting every event against nft_scores. -#}
{{ config(materialized='incremental', unique_key='nft_id') }}

with new_events as (
    select nft_a as nft_id, event_seq, occurred_at,
        case when is_super_vote then 'super_vote' else 'normal_vote' end as event_type
    from {{ ref('stg_community__votes') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select nft_b as nft_id, event_seq, occurred_at,
        case when is_super_vote then 'super_vote' else 'normal_vote' end as event_type
    from {{ ref('stg_community__votes') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select nft_id, event_seq, occurred_at, 'slider' as event_type
    from {{ ref('stg_community__sliders') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select nft_id, event_seq, occurred_at, 'fire' as event_type
    from {{ ref('stg_community__fires') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
),

published as (
    select nft_id, published_at, last_event_seq
    from {{ ref('nft_scores') }}
),

stored as (
    {% if is_incremental() -%}
    select * from {{ this }}
    {%- else -%}
    select * from (
        select
            cast(null as {{ dbt.type_string() }}) as nft_id,
            cast(null as timestamp) as published_at,
            cast(0 as bigint) as n_pending_events,
            cast(0 as bigint) as n_pending_votes,
            cast(0 as bigint) as n_pending_super_votes,
            cast(0 as bigint) as n_pending_sliders,
            cast(0 as bigint) as n_pending_fires,
            cast(null as integer) as priority,
            cast(null as bigint) as first_pending_event_seq,
            cast(null as bigint) as last_pending_event_seq
    ) as nothing
    where 1 = 0
    {%- endif %}
),

-- the NFTs whose row changes: new events, or a publication newer than the one the row was derived from
touched as (
    select nft_id from new_events
    union
    select published.nft_id
    from published
    inner join stored
        on stored.nft_id = published.nft_id
    where stored.published_at is distinct from published.published_at
),

new_pending as (
    select
        new_events.nft_id,
        count(*) as n_pending_events,
        count(case when new_events.event_type in ('normal_vote', 'super_vote') then 1 end) as n_pending_votes,
        count(case when new_events.event_type = 'super_vote' then 1 end) as n_pending_super_votes,
        count(case when new_events.event_type = 'slider' then 1 end) as n_pending_sliders,
        count(case when new_events.event_type = 'fire' then 1 end) as n_pending_fires,
        max(priorities.priority) as priority,
        min(new_events.event_seq) as first_pending_event_seq,
        max(new_events.event_seq) as last_pending_event_seq
    from new_events
    left join published
        on published.nft_id = new_events.nft_id
    inner join {{ ref('poa_event_priorities') }} as priorities
        on priorities.event_type = new_events.event_type
    where new_events.event_seq > coalesce(published.last_event_seq, -1)
    group by new_events.nft_id
),

-- the prior pending events stay pending unless the NFT was published again
kept as (
    select stored.*
    from stored
    inner join published
        on published.nft_id = stored.nft_id
    where stored.published_at is not distinct from published.published_at
    union all
    select stored.*
    from stored
    where not exists (select 1 from published where published.nft_id = stored.nft_id)
)

select
    touched.nft_id,
    published.published_at,
    coalesce(kept.n_pending_events, 0) + coalesce(new_pending.n_pending_events, 0) as n_pending_events,
    coalesce(kept.n_pending_votes, 0) + coalesce(new_pending.n_pending_votes, 0) as n_pending_votes,
    coalesce(kept.n_pending_super_votes, 0) + coalesce(new_pending.n_pending_super_votes, 0)
        as n_pending_super_votes,
    coalesce(kept.n_pending_sliders, 0) + coalesce(new_pending.n_pending_sliders, 0) as n_pending_sliders,
    coalesce(kept.n_pending_fires, 0) + coalesce(new_pending.n_pending_fires, 0) as n_pending_fires,
    case
        when kept.priority is null then new_pending.priority
        when new_pending.priority is null or kept.priority >= new_pending.priority then kept.priority
        else new_pending.priority
    end as priority,
    coalesce(kept.first_pending_event_seq, new_pending.first_pending_event_seq) as first_pending_event_seq,
    coalesce(new_pending.last_pending_event_seq, kept.last_pending_event_seq) as last_pending_event_seq,
    tallied.last_event_seq,
    tallied.last_event_at,
    tallied.n_votes_24h
from (select distinct nft_id from touched) as touched
inner join {{ ref('int_nfts_tallied') }} as tallied
    on tallied.nft_id = touched.nft_id
left join kept
    on kept.nft_id = touched.nft_id
left join new_pending
    on new_pending.nft_id = touched.nft_id
left join published
    on published.nft_id = touched.nft_id
