{#- Top poa_leaderboard_size (10) published NFTs overall and per collection (scoring.md §7), ties broken by
    confidence then nft_id — the ranks of nft_scores. -#}
{%- set size = var('poa_leaderboard_size') %}

select
    'overall' as leaderboard_id,
    'overall' as leaderboard_scope,
    cast(null as {{ dbt.type_string() }}) as leaderboard_collection,
    rank_overall as leaderboard_rank,
    nft_id,
    collection,
    poa_score,
    confidence,
    tier,
    tier_name,
    n_votes,
    published_at
from {{ ref('nft_scores') }}
where rank_overall <= {{ size }}

union all

select
    'collection:' || collection as leaderboard_id,
    'collection' as leaderboard_scope,
    collection as leaderboard_collection,
    rank_in_collection as leaderboard_rank,
    nft_id,
    collection,
    poa_score,
    confidence,
    tier,
    tier_name,
    n_votes,
    published_at
from {{ ref('nft_scores') }}
where rank_in_collection <= {{ size }}
    and collection is not null
