select
    comment_id,
    post_id,
    author_id,
    created_at,
    event_seq,
    loaded_at
from {{ source('discovery', 'post_comments') }}
