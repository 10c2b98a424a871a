-- One row per landed roster fetch; `payload` is kept for the members list (see int_snapshot_members_listed).
-- A partial snapshot (the loader rejected some members: `rejectedMemberCount` in the payload) still
-- counts its rejected members that carry a tag: they keep their last good state, they have not left.
-- Every column is read from its own row, so a query of a few snapshots (or without the counts) parses only
-- those payloads.
with snapshots as (
    select
        *,
        coalesce(cast({{ json_text('payload', ['rejectedMemberCount']) }} as integer), 0) as members_rejected
    from {{ source('clans', 'roster_snapshots') }}
)

select
    clan_tag,
    fetched_at,
    member_count + {{ json_array_size('payload', 'rejectedMemberTags') }} as member_count,
    members_rejected,
    members_rejected > 0 as is_partial,
    payload_hash,
    payload,
    run_id,
    source_file,
    loaded_at,
    event_seq
from snapshots
