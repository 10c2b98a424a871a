{#- One row per (conversation, participant). Counts come from the newest version of every message.
    Incremental: a run reads the message versions landed since the last run (event_seq high-water
    mark), and recomputes only the conversations they belong to, from all versions of those
    conversations' messages (a new version can change an earlier message, e.g. set its read_at).
    Message bodies never reach this table unless `expose_message_previews` is true; flipping that var
    changes the columns, so it needs a --full-refresh (on_schema_change = fail says so). -#}
{{ config(
    materialized='incremental',
    unique_key=['conversation_id', 'user_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

with
{%- if is_incremental() %}
changed_conversations as (
    select distinct conversation_id
    from {{ ref('stg_discovery__messages') }}
    where {{ since_last_run('event_seq', 'newest_event_seq') }}
),

message_versions as (
    select *
    from {{ ref('stg_discovery__messages') }}
    where conversation_id in (select conversation_id from changed_conversations)
),
{%- else %}
message_versions as (
    select *
    from {{ ref('stg_discovery__messages') }}
),
{%- endif %}

ranked_versions as (
    select
        *,
        row_number() over (partition by message_id order by event_seq desc) as version_rank
    from message_versions
),

current_messages as (
    select message_id, conversation_id, sender_id, recipient_id, body, sent_at, read_at
    from ranked_versions
    where version_rank = 1
),

conversation_marks as (
    select
        conversation_id,
        max(event_seq) as newest_event_seq,
        max(loaded_at) as newest_loaded_at
    from message_versions
    group by conversation_id
),

latest_messages as (
    select
        conversation_id,
        sender_id,
        body,
        row_number() over (partition by conversation_id order by sent_at desc, message_id desc) as recency
    from current_messages
),

participants as (
    select conversation_id, sender_id as user_id, recipient_id as other_user_id
    from current_messages
    union
    select conversation_id, recipient_id as user_id, sender_id as other_user_id
    from current_messages
),

participant_counts as (
    select
        participants.conversation_id,
        participants.user_id,
        participants.other_user_id,
        count(*) as message_count,
        count(case when current_messages.sender_id = participants.user_id then 1 end) as sent_count,
        count(case
            when current_messages.recipient_id = participants.user_id and current_messages.read_at is null
                then 1
        end) as unread_count,
        min(current_messages.sent_at) as first_message_at,
        max(current_messages.sent_at) as last_message_at,
        max(case when current_messages.sender_id = participants.user_id then current_messages.sent_at end)
            as last_sent_at,
        max(case when current_messages.recipient_id = participants.user_id then current_messages.read_at end)
            as last_read_at
    from participants
    inner join current_messages on participants.conversation_id = current_messages.conversation_id
    group by participants.conversation_id, participants.user_id, participants.other_user_id
)

select
    participant_counts.conversation_id,
    participant_counts.user_id,
    participant_counts.other_user_id,
    participant_counts.message_count,
    participant_counts.sent_count,
    participant_counts.unread_count,
    participant_counts.first_message_at,
    participant_counts.last_message_at,
    latest_messages.sender_id as last_sender_id,
{%- if var('expose_message_previews') %}
    latest_messages.body as last_message_preview,
{%- endif %}
    participant_counts.last_sent_at,
    participant_counts.last_read_at,
    {{ build_time() }} as as_of,
    conversation_marks.newest_event_seq,
    conversation_marks.newest_loaded_at
from participant_counts
inner join latest_messages
    on participant_counts.conversation_id = latest_messages.conversation_id
    and latest_messages.recency = 1
inner join conversation_marks on participant_counts.conversation_id = conversation_marks.conversation_id
