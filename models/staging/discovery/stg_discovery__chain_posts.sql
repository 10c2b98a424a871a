select
    post_id,
    chain_id,
    author_id,
    title,
    body,
    created_at,
    event_seq,
    loaded_at
from {{ source('discovery', 'chain_posts') }}
