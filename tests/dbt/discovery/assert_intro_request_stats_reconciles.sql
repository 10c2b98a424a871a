{#- Reconciliation: intro_request_stats recomputed from the raw intro requests (newest version of each
    request). Pending requests count as received but not in the acceptance rate or the median
    response time. -#}
with requests as (
    select
        requester_id, target_user_id, status, created_at, responded_at,
        case when status <> 'requested' then
            ({{ discovery_epoch_seconds('responded_at') }} - {{ discovery_epoch_seconds('created_at') }}) / 3600.0
        end as response_hours
    from {{ discovery_raw_newest_event('intro_requests', 'request_id') }} as requests
),

sent as (
    select
        requester_id as user_id,
        count(*) as sent_count,
        count(case when status = 'accepted' then 1 end) as sent_accepted_count
    from requests
    group by requester_id
),

received as (
    select
        target_user_id as user_id,
        count(*) as received_count,
        count(case when status = 'requested' then 1 end) as pending_count,
        count(case when status = 'accepted' then 1 end) as accepted_count,
        count(case when status = 'declined' then 1 end) as declined_count,
        {{ median('response_hours') }} as median_response_hours
    from requests
    group by target_user_id
),

expected as (
    select
        coalesce(sent.user_id, received.user_id) as user_id,
        coalesce(sent.sent_count, 0) as sent_count,
        coalesce(received.received_count, 0) as received_count,
        coalesce(received.pending_count, 0) as pending_count,
        coalesce(received.accepted_count, 0) as accepted_count,
        coalesce(received.declined_count, 0) as declined_count,
        coalesce(sent.sent_accepted_count, 0) as sent_accepted_count,
        received.median_response_hours
    from sent
    full outer join received on sent.user_id = received.user_id
),

actual as (
    select user_id, sent_count, received_count, pending_count, accepted_count, declined_count,
        acceptance_rate, median_response_hours, sent_accepted_count
    from {{ ref('intro_request_stats') }}
)

select
    coalesce(expected.user_id, actual.user_id) as user_id,
    expected.received_count as expected_received_count,
    actual.received_count,
    expected.median_response_hours as expected_median_response_hours,
    actual.median_response_hours
from expected
full outer join actual on expected.user_id = actual.user_id
where expected.user_id is null
    or actual.user_id is null
    or expected.sent_count <> actual.sent_count
    or expected.received_count <> actual.received_count
    or expected.pending_count <> actual.pending_count
    or expected.accepted_count <> actual.accepted_count
    or expected.declined_count <> actual.declined_count
    or expected.sent_accepted_count <> actual.sent_accepted_count
    or (expected.accepted_count + expected.declined_count = 0) <> (actual.acceptance_rate is null)
    or abs(
        {{ as_double('expected.accepted_count') }}
            / nullif(expected.accepted_count + expected.declined_count, 0) - actual.acceptance_rate
    ) > 1e-12
    or (expected.median_response_hours is null) <> (actual.median_response_hours is null)
    or abs(expected.median_response_hours - actual.median_response_hours) > 1e-9
