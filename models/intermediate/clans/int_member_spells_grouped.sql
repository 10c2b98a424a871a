-- Membership spells: maximal runs of consecutive snapshots of the clan that list the member. A member
-- who leaves and comes back has one spell per stay.
with listed as (
    select
        clan_tag,
        member_tag,
        fetched_at,
        snapshot_index,
        snapshot_index - row_number() over (
            partition by clan_tag, member_tag order by snapshot_index
        ) as island
    from {{ ref('int_snapshot_members_listed') }}
),

spells as (
    select
        clan_tag,
        member_tag,
        min(fetched_at) as joined_at,
        max(fetched_at) as last_seen_at,
        min(snapshot_index) as first_snapshot_index,
        max(snapshot_index) as last_snapshot_index,
        count(*) as n_snapshots
    from listed
    group by clan_tag, member_tag, island
)

select
    spells.clan_tag,
    spells.member_tag,
    row_number() over (partition by spells.clan_tag, spells.member_tag order by spells.joined_at) as spell_number,
    spells.joined_at,
    spells.last_seen_at,
    next_snapshot.fetched_at as left_at,
    next_snapshot.fetched_at is null as is_open,
    spells.first_snapshot_index,
    spells.last_snapshot_index,
    spells.n_snapshots
from spells
left join {{ ref('int_roster_snapshots_sequenced') }} as next_snapshot
    on next_snapshot.clan_tag = spells.clan_tag
    and next_snapshot.snapshot_index = spells.last_snapshot_index + 1
