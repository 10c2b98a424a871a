-- Who is in each snapshot: one row per (snapshot, member tag), from the snapshot's own payload (the
-- differential member rows only say what changed, not who is present). A member the loader rejected
-- (`rejectedMemberTags` of a partial snapshot) is still listed, `is_rejected`: it keeps the state of its
-- last good snapshot and is never shown as having left.
with kept as (
    select
        s.clan_tag,
        s.fetched_at,
        q.snapshot_index,
        {{ json_text('item', ['tag']) }} as member_tag,
        false as is_rejected
    from {{ ref('stg_clans__roster_snapshots') }} as s
    {{ json_array_join('s.payload', 'items', 'item') }}
    inner join {{ ref('int_roster_snapshots_sequenced') }} as q
        on q.clan_tag = s.clan_tag and q.fetched_at = s.fetched_at
),

rejected as (
    select
        s.clan_tag,
        s.fetched_at,
        q.snapshot_index,
        {{ json_text('rejected', ['tag']) }} as member_tag,
        true as is_rejected
    from {{ ref('stg_clans__roster_snapshots') }} as s
    {{ json_array_join('s.payload', 'rejectedMemberTags', 'rejected') }}
    inner join {{ ref('int_roster_snapshots_sequenced') }} as q
        on q.clan_tag = s.clan_tag and q.fetched_at = s.fetched_at
)

select * from kept
union all
select * from rejected
