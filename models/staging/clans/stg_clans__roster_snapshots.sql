-- One row per landed roster fetch; `payload` is kept for the members list (see int_snapshot_members_listed).
-- A partial snapshot (the loader rejected some members: `rejectedMemberCount` in the payload) still
-- counts its rejected members that carry a tag: they keep their last good state, they have not left.
with snapshots as (
    select
        clan_tag,
        fetched_at,
        member_count as members_landed,
        coalesce(cast({{ json_text('payload', ['rejectedMemberCount']) }} as integer), 0) as members_rejected,
        payload_hash,
        payload,
        run_id,
        source_file,
        loaded_at,
        event_seq
    from {{ source('clans', 'roster_snapshots') }}
),

kept_rejected as (
    select s.clan_tag, s.fetched_at, count(*) as n_tags
    from snapshots as s
    {{ json_array_join('s.payload', 'rejectedMemberTags', 'rejected') }}
    group by s.clan_tag, s.fetched_at
)

select
    snapshots.clan_tag,
    snapshots.fetched_at,
    snapshots.members_landed + coalesce(kept_rejected.n_tags, 0) as member_count,
    snapshots.members_rejected,
    snapshots.members_rejected > 0 as is_partial,
    snapshots.payload_hash,
    snapshots.payload,
    snapshots.run_id,
    snapshots.source_file,
    snapshots.loaded_at,
    snapshots.event_seq
from snapshots
left join kept_rejected
    on kept_rejected.clan_tag = snapshots.clan_tag
    and kept_rejected.fetched_at = snapshots.fetched_at
