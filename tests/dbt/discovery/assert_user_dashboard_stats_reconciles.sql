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

owned as (
    select owner_user_id as user_id, count(*) as projects_count
    from projects
    group by owner_user_id
),

received_upvotes as (
    select projects.owner_user_id as user_id, count(*) as upvotes_received
    from last_actions
    inner join projects on last_actions.project_id = projects.project_id
    where last_actions.action = 'up'
    group by projects.owner_user_id
),

given_upvotes as (
    select user_id, count(*) as upvotes_given
    from last_actions
    where action = 'up'
    group by user_id
),

participations as (
    select user_id, count(distinct conversation_id) as conversations
    from (
        select sender_id as user_id, conversation_id from messages
        union all
        select recipient_id as user_id, conversation_id from messages
    ) as sides
    group by user_id
),

unread as (
    select recipient_id as user_id, count(*) as unread_messages
    from messages
    where read_at is null
    group by recipient_id
),

sent_requests as (
    select requester_id as user_id, count(*) as intro_requests_sent
    from requests
    group by requester_id
),

received_requests as (
    select
        target_user_id as user_id,
        count(*) as intro_requests_received,
        count(case when status = 'requested' then 1 end) as intro_requests_pending,
        count(case when status = 'accepted' then 1 end) as intro_requests_accepted
    from requests
    group by target_user_id
),

last_activity as (
    select user_id, max(acted_at) as last_active_at
    from activity
    group by user_id
),

expected as (
    select
        users.user_id,
        coalesce(owned.projects_count, 0) as projects_count,
        coalesce(received_upvotes.upvotes_received, 0) as upvotes_received,
        coalesce(given_upvotes.upvotes_given, 0) as upvotes_given,
        coalesce(participations.conversations, 0) as conversations,
        coalesce(unread.unread_messages, 0) as unread_messages,
        coalesce(sent_requests.intro_requests_sent, 0) as intro_requests_sent,
        coalesce(received_requests.intro_requests_received, 0) as intro_requests_received,
        coalesce(received_requests.intro_requests_pending, 0) as intro_requests_pending,
        coalesce(received_requests.intro_requests_accepted, 0) as intro_requests_accepted,
        last_activity.last_active_at
    from users
    left join owned on users.user_id = owned.user_id
    left join received_upvotes on users.user_id = received_upvotes.user_id
    left join given_upvotes on users.user_id = given_upvotes.user_id
    left join participations on users.user_id = participations.user_id
    left join unread on users.user_id = unread.user_id
    left join sent_requests on users.user_id = sent_requests.user_id
    left join received_requests on users.user_id = received_requests.user_id
    left join last_activity on users.user_id = last_activity.user_id
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
