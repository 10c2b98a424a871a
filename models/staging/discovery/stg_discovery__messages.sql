{#- Every landed version of every message (a message lands again when it changes, e.g. read_at set).
    The newest version of a message is the one with the largest event_seq; consumers pick it, so that
    incremental models can read only the versions that are new. -#}
select
    message_id,
    conversation_id,
    sender_id,
    recipient_id,
    body,
    sent_at,
    read_at,
    event_seq,
    loaded_at
from {{ source('discovery', 'messages') }}
