{#- Reconciliation: message_conversations recomputed from the raw messages (newest version of each
    message): per conversation and participant, the message, sent and unread counts, the last message
    time and its sender. -#}
with messages as (
    select message_id, conversation_id, sender_id, recipient_id, sent_at, read_at
    from {{ discovery_raw_newest_event('messages', 'message_id') }} as messages
),

participants as (
    select distinct conversation_id, sender_id as user_id, recipient_id as other_user_id from messages
    union
    select distinct conversation_id, recipient_id as user_id, sender_id as other_user_id from messages
),

last_messages as (
    select conversation_id, sender_id as last_sender_id
    from (
        select
            conversation_id, sender_id,
            row_number() over (partition by conversation_id order by sent_at desc, message_id desc) as recency
        from messages
    ) as ordered
    where recency = 1
),

expected as (
    select
        participants.conversation_id,
        participants.user_id,
        participants.other_user_id,
        count(*) as message_count,
        count(case when messages.sender_id = participants.user_id then 1 end) as sent_count,
        count(case when messages.recipient_id = participants.user_id and messages.read_at is null then 1 end)
            as unread_count,
        max(messages.sent_at) as last_message_at
    from participants
    inner join messages on participants.conversation_id = messages.conversation_id
    group by participants.conversation_id, participants.user_id, participants.other_user_id
),

actual as (
    select conversation_id, user_id, other_user_id, message_count, sent_count, unread_count,
        last_message_at, last_sender_id
    from {{ ref('message_conversations') }}
)

select
    coalesce(expected.conversation_id, actual.conversation_id) as conversation_id,
    coalesce(expected.user_id, actual.user_id) as user_id,
    expected.message_count as expected_message_count,
    actual.message_count,
    expected.unread_count as expected_unread_count,
    actual.unread_count
from expected
inner join last_messages on expected.conversation_id = last_messages.conversation_id
full outer join actual
    on expected.conversation_id = actual.conversation_id
    and expected.user_id = actual.user_id
where expected.conversation_id is null
    or actual.conversation_id is null
    or expected.other_user_id <> actual.other_user_id
    or expected.message_count <> actual.message_count
    or expected.sent_count <> actual.sent_count
    or expected.unread_count <> actual.unread_count
    or expected.last_message_at <> actual.last_message_at
    or last_messages.last_sender_id <> actual.last_sender_id
