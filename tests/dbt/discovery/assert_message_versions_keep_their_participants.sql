{#- Guard of the incremental message_conversations: a new version of a message may change its
    read_at, never its conversation, sender or recipient. Fails with every message that does. -#}
select message_id
from {{ ref('stg_discovery__messages') }}
group by message_id
having count(distinct conversation_id) > 1
    or count(distinct sender_id) > 1
    or count(distinct recipient_id) > 1
