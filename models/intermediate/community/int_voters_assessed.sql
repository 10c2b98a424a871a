{#- Current reliability of every user who has voted: the Beta state (α, β) after the user's latest vote,
    R = α/(α + β), and vote counts. Incremental: reads only the rated votes since its own mark and merges
    them into the stored rows; the Elo step reads this table as its starting state. -#}
{{ config(materialized='incremental', unique_key='user_id') }}

with new_votes as (
    select
        rated.event_seq,
        votes.user_id,
        votes.is_super_vote,
        rated.voter_alpha,
        rated.voter_beta
    from {{ ref('int_votes_rated') }} as rated
    inner join {{ ref('stg_community__votes') }} as votes
        on votes.event_seq = rated.event_seq
    {#- the mark on both sides, so that both scans skip the history #}
    where {{ since_last_run('rated.event_seq', 'last_vote_seq') }}
        and {{ since_last_run('votes.event_seq', 'last_vote_seq') }}
),

batch as (
    select
        user_id,
        count(*) as n_votes,
        count(case when is_super_vote then 1 end) as n_super_votes,
        max(event_seq) as last_vote_seq,
        {{ value_at_max('voter_alpha', 'event_seq') }} as reliability_alpha,
        {{ value_at_max('voter_beta', 'event_seq') }} as reliability_beta
    from new_votes
    group by user_id
),

stored as (
    {% if is_incremental() -%}
    select user_id, n_votes, n_super_votes
    from {{ this }}
    where user_id in (select user_id from batch)
    {%- else -%}
    select user_id, n_votes, n_super_votes from batch where 1 = 0
    {%- endif %}
)

select
    batch.user_id,
    batch.reliability_alpha,
    batch.reliability_beta,
    batch.reliability_alpha / (batch.reliability_alpha + batch.reliability_beta) as reliability,
    coalesce(stored.n_votes, 0) + batch.n_votes as n_votes,
    coalesce(stored.n_super_votes, 0) + batch.n_super_votes as n_super_votes,
    batch.last_vote_seq
from batch
left join stored
    on stored.user_id = batch.user_id
