{#- The publication log (scoring.md §5): a row for an NFT whenever its live values moved meaningfully
    since its last published row — |Δpoa| ≥ 0.5, |Δconfidence| ≥ 0.05, a tier change, |Δσ| ≥ 2 — or when it
    has never been published. Append-only: its content depends on when builds ran, so a full refresh
    must never rebuild it (full_refresh: false). published_at is the build's start time. -#}
{{ config(materialized='incremental', unique_key=['nft_id', 'published_at'], full_refresh=false) }}
{#- Differences are compared with a 1e-9 allowance, so that a change of exactly a threshold (e.g.
    20.30 → 19.80) counts although its binary difference falls a hair short. -#}
{%- set allowance = 1e-9 %}

with live as (
    select * from {{ ref('nft_stats') }}
),

last_published as (
    {% if is_incremental() -%}
    select nft_id, poa_score, confidence, tier, rating_sigma
    from (
        select
            history.*,
            row_number() over (partition by nft_id order by published_at desc) as publication_rank
        from {{ this }} as history
    ) as ranked
    where publication_rank = 1
    {%- else -%}
    select nft_id, poa_score, confidence, tier, rating_sigma
    from live
    where 1 = 0
    {%- endif %}
),

compared as (
    select
        live.*,
        last_published.nft_id is null as is_first_publication,
        coalesce(abs(live.poa_score - last_published.poa_score) + {{ allowance }}
            >= {{ var('poa_publish_min_poa_delta') }}, false) as is_poa_change,
        coalesce(abs(live.confidence - last_published.confidence) + {{ allowance }}
            >= {{ var('poa_publish_min_confidence_delta') }}, false) as is_confidence_change,
        coalesce(live.tier <> last_published.tier, false) as is_tier_change,
        coalesce(abs(live.rating_sigma - last_published.rating_sigma) + {{ allowance }}
            >= {{ var('poa_publish_min_sigma_delta') }}, false) as is_sigma_change
    from live
    left join last_published
        on last_published.nft_id = live.nft_id
)

select
    nft_id,
    {{ build_time() }} as published_at,
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
    n_votes_24h,
    slider_consensus_z,
    last_event_seq,
    is_first_publication,
    is_poa_change,
    is_confidence_change,
    is_tier_change,
    is_sigma_change,
    concat_ws(',',
        case when is_first_publication then 'first_publication' end,
        case when is_poa_change then 'poa' end,
        case when is_confidence_change then 'confidence' end,
        case when is_tier_change then 'tier' end,
        case when is_sigma_change then 'sigma' end
    ) as publish_reasons
from compared
where is_first_publication
    or is_poa_change
    or is_confidence_change
    or is_tier_change
    or is_sigma_change
