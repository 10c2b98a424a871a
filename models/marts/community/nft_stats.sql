{#- Live statistics and POA score of every NFT with any event, as of the last build (scoring.md §5).
    Not what apps read (that is nft_scores, which changes only on meaningful moves); this is the live
    side the publication rules compare against. -#}
with scored as (
    select * from {{ ref('int_nfts_scored') }}
),

tiered as (
    select
        scored.nft_id,
        max(tiers.tier) as tier
    from scored
    inner join {{ ref('poa_tiers') }} as tiers
        on tiers.tier <= scored.poa_score
    group by scored.nft_id
)

select
    scored.nft_id,
    landed.collection,
    -- every NFT here has events, so one without a landed row is an inferred member of the dimension
    landed.nft_id is null as is_inferred,
    scored.rating_mu,
    scored.rating_sigma,
    scored.n_votes,
    scored.n_super_votes,
    scored.n_sliders,
    scored.n_fires,
    scored.n_votes_24h,
    scored.slider_consensus_z,
    scored.rating_pct,
    scored.slider_pct,
    scored.fire_pct,
    scored.poa_score,
    scored.confidence,
    tiered.tier,
    tiers.tier_name,
    scored.last_event_at,
    scored.last_event_seq
from scored
inner join tiered
    on tiered.nft_id = scored.nft_id
inner join {{ ref('poa_tiers') }} as tiers
    on tiers.tier = tiered.tier
left join (
    -- the landed NFTs alone: the dimension's inferred members would evaluate every event naming an id
    select nft_id, collection from {{ ref('stg_community__nfts') }}
    where not is_inferred
) as landed
    on landed.nft_id = scored.nft_id
