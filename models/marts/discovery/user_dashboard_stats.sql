{#- The dashboard of every user: what they list, upvote and receive, their conversations and unread
    messages, their intro requests, and when they last did anything on the platform. A user that facts
    name before the user's row lands (an inferred member) gets a dashboard once the row lands. -#}
with users as (
    select user_id, handle, loaded_at
    from {{ ref('stg_community__users') }}
    where not is_inferred
),

listed as (
    select
        owner_user_id as user_id,
        count(*) as projects_count,
        cast(sum(net_upvotes) as bigint) as upvotes_received
    from {{ ref('int_project_upvotes_counted') }}
    group by owner_user_id
),

projects as (
    select owner_user_id as user_id, max(created_at) as last_listed_at, max(loaded_at) as loaded_at
    from {{ ref('stg_discovery__projects') }}
    where not is_inferred
    group by owner_user_id
),

upvote_state as (
    select user_id, is_up, latest_action_at, event_seq, loaded_at
    from {{ ref('int_upvotes_resolved') }}
),

given as (
    select
        user_id,
        count(case when is_up then 1 end) as upvotes_given,
        max(latest_action_at) as last_upvote_at
    from upvote_state
    group by user_id
),

conversations as (
    select user_id, unread_count, last_sent_at, last_read_at, newest_event_seq, newest_loaded_at
    from {{ ref('message_conversations') }}
),

messaging as (
    select
        user_id,
        count(*) as conversations,
        cast(sum(unread_count) as bigint) as unread_messages,
        max(last_sent_at) as last_sent_at,
        max(last_read_at) as last_read_at
    from conversations
    group by user_id
),

intro_stats as (
    select user_id, sent_count, received_count, pending_count, accepted_count
    from {{ ref('intro_request_stats') }}
),

requests as (
    select requester_id, target_user_id, created_at, responded_at, event_seq, loaded_at
    from {{ ref('int_intro_requests_resolved') }}
),

intro_activity as (
    select user_id, max(acted_at) as last_intro_at
    from (
        select requester_id as user_id, created_at as acted_at from requests
        union all
        select target_user_id as user_id, responded_at as acted_at from requests
    ) as intro_actions
    group by user_id
),

posts as (
    select author_id, created_at, event_seq, loaded_at
    from {{ ref('stg_discovery__chain_posts') }}
),

comments as (
    select author_id, created_at, event_seq, loaded_at
    from {{ ref('stg_discovery__post_comments') }}
),

forum_activity as (
    select author_id as user_id, max(created_at) as last_forum_at
    from (
        select author_id, created_at from posts
        union all
        select author_id, created_at from comments
    ) as forum_actions
    group by author_id
)

select
    users.user_id,
    users.handle,
    coalesce(listed.projects_count, 0) as projects_count,
    coalesce(listed.upvotes_received, 0) as upvotes_received,
    coalesce(given.upvotes_given, 0) as upvotes_given,
    coalesce(messaging.conversations, 0) as conversations,
    coalesce(messaging.unread_messages, 0) as unread_messages,
    coalesce(intro_stats.sent_count, 0) as intro_requests_sent,
    coalesce(intro_stats.received_count, 0) as intro_requests_received,
    coalesce(intro_stats.pending_count, 0) as intro_requests_pending,
    coalesce(intro_stats.accepted_count, 0) as intro_requests_accepted,
    greatest(
        projects.last_listed_at,
        given.last_upvote_at,
        messaging.last_sent_at,
        messaging.last_read_at,
        intro_activity.last_intro_at,
        forum_activity.last_forum_at
    ) as last_active_at,
    {{ build_time() }} as as_of,
    greatest(
        (select max(event_seq) from upvote_state),
        (select max(newest_event_seq) from conversations),
        (select max(event_seq) from requests),
        (select max(event_seq) from posts),
        (select max(event_seq) from comments)
    ) as newest_event_seq,
    greatest(
        (select max(loaded_at) from users),
        (select max(loaded_at) from projects),
        (select max(loaded_at) from upvote_state),
        (select max(newest_loaded_at) from conversations),
        (select max(loaded_at) from requests),
        (select max(loaded_at) from posts),
        (select max(loaded_at) from comments)
    ) as newest_loaded_at
from users
left join listed on users.user_id = listed.user_id
left join projects on users.user_id = projects.user_id
left join given on users.user_id = given.user_id
left join messaging on users.user_id = messaging.user_id
left join intro_stats on users.user_id = intro_stats.user_id
left join intro_activity on users.user_id = intro_activity.user_id
left join forum_activity on users.user_id = forum_activity.user_id
