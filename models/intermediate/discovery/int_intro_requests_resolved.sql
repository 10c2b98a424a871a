{#- One row per intro request: its newest version (largest event_seq), with the answer time in hours. -#}
with ranked_versions as (
    select
        *,
        row_number() over (partition by request_id order by event_seq desc) as version_rank
    from {{ ref('stg_discovery__intro_requests') }}
)

select
    request_id,
    requester_id,
    target_user_id,
    project_id,
    status,
    status = 'requested' as is_pending,
    status = 'accepted' as is_accepted,
    status = 'declined' as is_declined,
    created_at,
    responded_at,
    case
        when responded_at is not null then {{ discovery_hours_between('created_at', 'responded_at') }}
    end as response_hours,
    event_seq,
    loaded_at
from ranked_versions
where version_rank = 1
