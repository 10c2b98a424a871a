-- Snapshots with the members who joined (a spell starts) and left (a spell ended just before) since
-- the previous snapshot of the clan; null for a clan's first snapshot, which has nothing to compare to.
with joined as (
    select clan_tag, first_snapshot_index as snapshot_index, count(*) as n_members
    from {{ ref('int_member_spells_grouped') }}
    where first_snapshot_index > 1
    group by clan_tag, first_snapshot_index
),

departed as (
    select clan_tag, last_snapshot_index + 1 as snapshot_index, count(*) as n_members
    from {{ ref('int_member_spells_grouped') }}
    where not is_open
    group by clan_tag, last_snapshot_index
)

select
    s.clan_tag,
    s.fetched_at,
    s.snapshot_index,
    s.member_count,
    s.previous_fetched_at,
    s.previous_member_count,
    case when s.snapshot_index > 1 then coalesce(joined.n_members, 0) end as members_joined,
    case when s.snapshot_index > 1 then coalesce(departed.n_members, 0) end as members_left,
    s.payload_hash,
    s.is_zero_delta,
    s.identical_run_length,
    s.run_id,
    s.loaded_at,
    s.event_seq
from {{ ref('int_roster_snapshots_sequenced') }} as s
left join joined on joined.clan_tag = s.clan_tag and joined.snapshot_index = s.snapshot_index
left join departed on departed.clan_tag = s.clan_tag and departed.snapshot_index = s.snapshot_index
