{#- The POA score of every NFT with any event (scoring.md §4), from its current rating, its reliability-
    weighted slider consensus and its FIREs. The consensus is recomputed whole on every build: a vote
    changes its voter's reliability, which reweights every slider that user ever gave. -#}
{%- set mu0 = var('poa_elo_mu') %}
{%- set sigma0 = var('poa_elo_sigma') %}
{%- set prior_reliability = as_double(var('poa_reliability_alpha0')) ~ ' / ('
    ~ var('poa_reliability_alpha0') ~ ' + ' ~ var('poa_reliability_beta0') ~ ')' %}

with consensus as (
    select
        sliders.nft_id,
        sum(coalesce(voters.reliability, {{ prior_reliability }}) * sliders.slider_z)
            / sum(coalesce(voters.reliability, {{ prior_reliability }})) as slider_consensus_z
    from {{ ref('int_sliders_calibrated') }} as sliders
    left join {{ ref('int_voters_assessed') }} as voters
        on voters.user_id = sliders.user_id
    group by sliders.nft_id
),

components as (
    select
        tallied.nft_id,
        coalesce(rated.rating_mu, {{ as_double(mu0) }}) as rating_mu,
        coalesce(rated.rating_sigma, {{ as_double(sigma0) }}) as rating_sigma,
        tallied.n_votes,
        tallied.n_super_votes,
        tallied.n_sliders,
        tallied.n_fires,
        tallied.n_votes_24h,
        consensus.slider_consensus_z,
        tallied.last_event_at,
        tallied.last_event_seq
    from {{ ref('int_nfts_tallied') }} as tallied
    left join {{ ref('int_nfts_rated') }} as rated
        on rated.nft_id = tallied.nft_id
    left join consensus
        on consensus.nft_id = tallied.nft_id
),

percentages as (
    select
        *,
        1.0 / (1.0 + power(10.0,
            -(rating_mu - {{ var('poa_rating_sigma_multiplier') }} * rating_sigma - {{ mu0 }})
            / {{ as_double(var('poa_rating_scale')) }}
        )) as rating_pct,
        case
            when n_sliders > 0 and slider_consensus_z is not null
                then {{ as_double('n_sliders') }} / (n_sliders + {{ var('poa_slider_pct_shrinkage') }})
                    * {{ poa_normal_cdf('slider_consensus_z') }}
            else 0.0
        end as slider_pct,
        1.0 - exp(-{{ as_double('n_fires') }} / {{ var('poa_fire_scale') }}) as fire_pct,
        greatest(0.0, least(1.0, 1.0 - rating_sigma / {{ as_double(sigma0) }})) as confidence
    from components
)

select
    nft_id,
    rating_mu,
    rating_sigma,
    n_votes,
    n_super_votes,
    n_sliders,
    n_fires,
    n_votes_24h,
    slider_consensus_z,
    rating_pct,
    slider_pct,
    fire_pct,
    {#- round(·, 2) as round-half-up with the same IEEE arithmetic on every engine (PostgreSQL has no
        round(double, int), and engines differ on ties of binary fractions) -#}
    floor(100.0 * 100.0 * (
        {{ var('poa_weight_rating') }} * rating_pct
        + {{ var('poa_weight_slider') }} * slider_pct
        + {{ var('poa_weight_fire') }} * fire_pct
    ) + 0.5) / 100.0 as poa_score,
    confidence,
    last_event_at,
    last_event_seq
from percentages
