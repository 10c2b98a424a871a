{#- A conversation is between two users: every message of a conversation is between the same unordered
    pair. Fails with every conversation that has more than one pair. -#}
select conversation_id
from {{ ref('stg_discovery__messages') }}
group by conversation_id
having count(distinct case when sender_id < recipient_id then sender_id else recipient_id end) > 1
    or count(distinct case when sender_id < recipient_id then recipient_id else sender_id end) > 1
