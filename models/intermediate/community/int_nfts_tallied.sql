{#- Activity of every NFT with any event: counts by kind, its latest event, and its votes in the trailing
    window (poa_activity_window_hours, 24 h) of that latest event. Incremental: reads only the events landed
    since its own mark (event_seq is shared by votes, sliders and fires) and updates the NFTs they touch.
    A touched NFT's window starts no earlier than (its first new event − window), so only the votes since
    (the batch's earliest event − window) are read to recount it; untouched NFTs keep their counts. -#}
{{ config(materialized='incremental', unique_key='nft_id') }}
{%- set window_hours = var('poa_activity_window_hours') %}

with new_events as (
    select nft_a as nft_id, event_seq, occurred_at, 'vote' as event_kind, is_super_vote
    from {{ ref('stg_community__votes') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select nft_b as nft_id, event_seq, occurred_at, 'vote' as event_kind, is_super_vote
    from {{ ref('stg_community__votes') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select nft_id, event_seq, occurred_at, 'slider' as event_kind, false as is_super_vote
    from {{ ref('stg_community__sliders') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
    union all
    select nft_id, event_seq, occurred_at, 'fire' as event_kind, false as is_super_vote
    from {{ ref('stg_community__fires') }}
    where {{ since_last_run('event_seq', 'last_event_seq') }}
),

batch as (
    select
        nft_id,
        count(case when event_kind = 'vote' then 1 end) as n_votes,
        count(case when event_kind = 'vote' and is_super_vote then 1 end) as n_super_votes,
        count(case when event_kind = 'slider' then 1 end) as n_sliders,
        count(case when event_kind = 'fire' then 1 end) as n_fires,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        max(event_seq) as last_event_seq
    from new_events
    group by nft_id
),

stored as (
    {% if is_incremental() -%}
    select nft_id, n_votes, n_super_votes, n_sliders, n_fires, first_event_at, last_event_at
    from {{ this }}
    where nft_id in (select nft_id from batch)
    {%- else -%}
    select nft_id, n_votes, n_super_votes, n_sliders, n_fires, first_event_at, last_event_at
    from batch
    where 1 = 0
    {%- endif %}
),

tallied as (
    select
        batch.nft_id,
        coalesce(stored.n_votes, 0) + batch.n_votes as n_votes,
        coalesce(stored.n_super_votes, 0) + batch.n_super_votes as n_super_votes,
        coalesce(stored.n_sliders, 0) + batch.n_sliders as n_sliders,
        coalesce(stored.n_fires, 0) + batch.n_fires as n_fires,
        case
            when stored.first_event_at is not null and stored.first_event_at < batch.first_event_at
                then stored.first_event_at
            else batch.first_event_at
        end as first_event_at,
        case
            when stored.last_event_at is not null and stored.last_event_at > batch.last_event_at
                then stored.last_event_at
            else batch.last_event_at
        end as last_event_at,
        batch.last_event_seq
    from batch
    left join stored
        on stored.nft_id = batch.nft_id
),

recent_votes as (
    select nft_id, occurred_at
    from (
        select nft_a as nft_id, occurred_at from {{ ref('stg_community__votes') }}
        union all
        select nft_b as nft_id, occurred_at from {{ ref('stg_community__votes') }}
    ) as sides
    where occurred_at > (
        select {{ dbt.dateadd('hour', -1 * window_hours, 'min(first_event_at)') }} from batch
    )
),

windowed as (
    select
        tallied.nft_id,
        count(recent_votes.nft_id) as n_votes_in_window
    from tallied
    left join recent_votes
        on recent_votes.nft_id = tallied.nft_id
        and recent_votes.occurred_at > {{ dbt.dateadd('hour', -1 * window_hours, 'tallied.last_event_at') }}
        and recent_votes.occurred_at <= tallied.last_event_at
    group by tallied.nft_id
)

select
    tallied.nft_id,
    tallied.n_votes,
    tallied.n_super_votes,
    tallied.n_sliders,
    tallied.n_fires,
    windowed.n_votes_in_window as n_votes_24h,
    tallied.first_event_at,
    tallied.last_event_at,
    tallied.last_event_seq
from tallied
inner join windowed
    on windowed.nft_id = tallied.nft_id
