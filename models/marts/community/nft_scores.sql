{#- What apps and analysts read (scoring.md §5): the latest published row of every NFT, ranked overall and
    within its collection by poa_score, then confidence, then nft_id. -#}
with latest as (
    select *
    from (
        select
            history.*,
            row_number() over (partition by nft_id order by published_at desc) as publication_rank
        from {{ ref('nft_score_history') }} as history
    ) as ranked
    where publication_rank = 1
)

select
    nft_id,
    collection,
    poa_score,
    confidence,
    tier,
    tier_name,
    rating_mu,
    rating_sigma,
    n_votes,
    n_super_votes,
    n_sliders,
    n_fires,
    slider_consensus_z,
    row_number() over (order by poa_score desc, confidence desc, nft_id) as rank_overall,
    row_number() over (
        partition by collection order by poa_score desc, confidence desc, nft_id
    ) as rank_in_collection,
    published_at,
    last_event_seq
from latest
