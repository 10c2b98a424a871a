{#- Pairwise votes, typed and oriented: the winner and the loser of the pair. A row the Elo step cannot
    rate (a pair of one NFT, a winner outside the pair, an unknown vote type, a missing key) does not pass;
    the loaders already send such rows to raw.rejects, and the source tests fail loudly if one ever lands. -#}
select
    event_seq,
    event_id,
    user_id,
    nft_a,
    nft_b,
    winner as winner_nft_id,
    case when winner = nft_a then nft_b else nft_a end as loser_nft_id,
    vote_type,
    vote_type = 'super' as is_super_vote,
    occurred_at,
    loaded_at
from {{ source('community', 'votes') }}
where event_seq is not null
    and event_id is not null
    and user_id is not null
    and occurred_at is not null
    and nft_a <> nft_b
    and winner in (nft_a, nft_b)
    and vote_type in ('normal', 'super')
