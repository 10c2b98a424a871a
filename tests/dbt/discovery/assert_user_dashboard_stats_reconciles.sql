{#- Reconciliation: user_dashboard_stats recomputed from the raw tables, one row per user (newest
    versions of users, projects, messages and intro requests; each user's last upvote action per
    project in event_seq order). last_active_at is the latest of: listing a project, any upvote
    action, sending or reading a message, sending or answering an intro request, posting, commenting. -#}
with users as (
    select user_id
    from {{ discovery_raw_newest_dimension('users', 'user_id') }} as users
),

projects as (
    select project_id, owner_user_id, created_at
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
),

last_actions as (
    select user_id, project_id, action
    from {{ discovery_raw_newest_event('upvotes', 'user_id, project_id') }} as upvotes
),

messages as (
    select conversation_id, sender_id, recipient_id, sent_at, read_at
    from {{ discovery_raw_newest_event('messages', 'message_id') }} as messages
),

requests as (
    select requester_id, target_user_id, status, created_at, responded_at
    from {{ discovery_raw_newest_event('intro_requests', 'request_id') }} as requests
),

activity as (
    select owner_user_id as user_id, created_at as acted_at from projects
    union all
    select user_id, occurred_at from {{ source('discovery', 'upvotes') }}
    union all
    select sender_id, sent_at from messages
    union all
    select recipient_id, read_at from messages
    union all
    select requester_id, created_at from requests
    union all
    select target_user_id, responded_at from requests
    union all
    select author_id, created_at from {{ source('discovery', 'chain_posts') }}
    union all
    select author_id, created_at from {{ source('discovery', 'post_comments') }}
),

expected as (
    select
        users.user_id,
        (select count(*) from projects where owner_user_id = users.user_id) as projects_count,
        (select count(*) from last_actions inner join projects on last_actions.project_id = projects.project_id
            where projects.owner_user_id = users.user_id and last_actions.action = 'up') as upvotes_received,
        (select count(*) from last_actions where last_actions.user_id = users.user_id and action = 'up')
            as upvotes_given,
        (select count(distinct conversation_id) from messages
            where sender_id = users.user_id or recipient_id = users.user_id) as conversations,
        (select count(*) from messages where recipient_id = users.user_id and read_at is null) as unread_messages,
        (select count(*) from requests where requester_id = users.user_id) as intro_requests_sent,
        (select count(*) from requests where target_user_id = users.user_id) as intro_requests_received,
        (select count(*) from requests where target_user_id = users.user_id and status = 'requested')
            as intro_requests_pending,
        (select count(*) from requests where target_user_id = users.user_id and status = 'accepted')
            as intro_requests_accepted,
        (select max(acted_at) from activity where activity.user_id = users.user_id) as last_active_at
    from users
),

actual as (
    select *
    from {{ ref('user_dashboard_stats') }}
)

select
    coalesce(expected.user_id, actual.user_id) as user_id
from expected
full outer join actual on expected.user_id = actual.user_id
where expected.user_id is null
    or actual.user_id is null
    or expected.projects_count <> actual.projects_count
    or expected.upvotes_received <> actual.upvotes_received
    or expected.upvotes_given <> actual.upvotes_given
    or expected.conversations <> actual.conversations
    or expected.unread_messages <> actual.unread_messages
    or expected.intro_requests_sent <> actual.intro_requests_sent
    or expected.intro_requests_received <> actual.intro_requests_received
    or expected.intro_requests_pending <> actual.intro_requests_pending
    or expected.intro_requests_accepted <> actual.intro_requests_accepted
    or expected.last_active_at is distinct from actual.last_active_at
