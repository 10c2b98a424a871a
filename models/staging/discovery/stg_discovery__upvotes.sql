select
    event_id,
    user_id,
    project_id,
    action,
    action = 'up' as is_up,
    occurred_at,
    event_seq,
    loaded_at
from {{ source('discovery', 'upvotes') }}
