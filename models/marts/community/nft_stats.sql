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
    nfts.collection,
    coalesce(nfts.is_inferred, false) as is_inferred,
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
left join {{ ref('stg_community__nfts') }} as nfts
    on nfts.nft_id = scored.nft_id
