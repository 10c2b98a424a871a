{#- Current rating of every NFT that has been in a vote: μ and σ after its latest vote, and its vote
    counts. Incremental: reads only the rated votes since its own mark (the largest last_vote_seq) and
    merges them into the stored rows; the Elo step reads this table as its starting state. -#}
{{ config(materialized='incremental', unique_key='nft_id') }}

with new_votes as (
    select
        rated.event_seq,
        votes.is_super_vote,
        votes.winner_nft_id,
        votes.loser_nft_id,
        rated.winner_mu,
        rated.winner_sigma,
        rated.loser_mu,
        rated.loser_sigma
    from {{ ref('int_votes_rated') }} as rated
    inner join {{ ref('stg_community__votes') }} as votes
        on votes.event_seq = rated.event_seq
    {#- the mark on both sides, so that both scans skip the history #}
    where {{ since_last_run('rated.event_seq', 'last_vote_seq') }}
        and {{ since_last_run('votes.event_seq', 'last_vote_seq') }}
),

sides as (
    select winner_nft_id as nft_id, event_seq, is_super_vote, true as is_win,
        winner_mu as rating_mu, winner_sigma as rating_sigma
    from new_votes
    union all
    select loser_nft_id as nft_id, event_seq, is_super_vote, false as is_win,
        loser_mu as rating_mu, loser_sigma as rating_sigma
    from new_votes
),

batch as (
    select
        nft_id,
        count(*) as n_votes,
        count(case when is_super_vote then 1 end) as n_super_votes,
        count(case when is_win then 1 end) as n_wins,
        max(event_seq) as last_vote_seq,
        {{ value_at_max('rating_mu', 'event_seq') }} as rating_mu,
        {{ value_at_max('rating_sigma', 'event_seq') }} as rating_sigma
    from sides
    group by nft_id
),

stored as (
    {% if is_incremental() -%}
    select nft_id, n_votes, n_super_votes, n_wins
    from {{ this }}
    where nft_id in (select nft_id from batch)
    {%- else -%}
    select nft_id, n_votes, n_super_votes, n_wins from batch where 1 = 0
    {%- endif %}
)

select
    batch.nft_id,
    batch.rating_mu,
    batch.rating_sigma,
    coalesce(stored.n_votes, 0) + batch.n_votes as n_votes,
    coalesce(stored.n_super_votes, 0) + batch.n_super_votes as n_super_votes,
    coalesce(stored.n_wins, 0) + batch.n_wins as n_wins,
    batch.last_vote_seq
from batch
left join stored
    on stored.nft_id = batch.nft_id
