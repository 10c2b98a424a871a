{#- Intro requests per user who sent or received any (newest version of each request). `pending`,
    `accepted`, `declined`, the acceptance rate and the response time describe how the user answered
    the requests they received; the `sent_*` columns describe the answers to the requests they sent. -#}
with requests as (
    select
        request_id, requester_id, target_user_id, is_pending, is_accepted, is_declined,
        response_hours, event_seq, loaded_at
    from {{ ref('int_intro_requests_resolved') }}
),

sent as (
    select
        requester_id as user_id,
        count(*) as sent_count,
        count(case when is_pending then 1 end) as sent_pending_count,
        count(case when is_accepted then 1 end) as sent_accepted_count,
        count(case when is_declined then 1 end) as sent_declined_count
    from requests
    group by requester_id
),

received as (
    select
        target_user_id as user_id,
        count(*) as received_count,
        count(case when is_pending then 1 end) as pending_count,
        count(case when is_accepted then 1 end) as accepted_count,
        count(case when is_declined then 1 end) as declined_count,
        {{ median('case when not is_pending then response_hours end') }} as median_response_hours
    from requests
    group by target_user_id
),

users as (
    select user_id from sent
    union
    select user_id from received
)

select
    users.user_id,
    coalesce(sent.sent_count, 0) as sent_count,
    coalesce(received.received_count, 0) as received_count,
    coalesce(received.pending_count, 0) as pending_count,
    coalesce(received.accepted_count, 0) as accepted_count,
    coalesce(received.declined_count, 0) as declined_count,
    case
        when coalesce(received.accepted_count, 0) + coalesce(received.declined_count, 0) > 0
            then {{ as_double('received.accepted_count') }}
                / (received.accepted_count + received.declined_count)
    end as acceptance_rate,
    {{ as_double('received.median_response_hours') }} as median_response_hours,
    coalesce(sent.sent_pending_count, 0) as sent_pending_count,
    coalesce(sent.sent_accepted_count, 0) as sent_accepted_count,
    coalesce(sent.sent_declined_count, 0) as sent_declined_count,
    {{ build_time() }} as as_of,
    (select max(event_seq) from requests) as newest_event_seq,
    (select max(loaded_at) from requests) as newest_loaded_at
from users
left join sent on users.user_id = sent.user_id
left join received on users.user_id = received.user_id
