{#- Every landed version of every intro request (a request lands again when it is answered). The
    newest version (largest event_seq) is picked in `int_intro_requests_resolved`. -#}
select
    request_id,
    requester_id,
    target_user_id,
    project_id,
    status,
    created_at,
    responded_at,
    event_seq,
    loaded_at
from {{ source('discovery', 'intro_requests') }}
