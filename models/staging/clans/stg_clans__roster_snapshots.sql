-- One row per landed roster fetch; `payload` is kept for the members list (see int_snapshot_members_listed).
select
    clan_tag,
    fetched_at,
    member_count,
    payload_hash,
    payload,
    run_id,
    source_file,
    loaded_at,
    event_seq
from {{ source('clans', 'roster_snapshots') }}
