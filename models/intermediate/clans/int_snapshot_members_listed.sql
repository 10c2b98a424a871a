-- Who is in each snapshot: one row per (snapshot, member tag), from the snapshot's own payload (the
-- differential member rows only say what changed, not who is present).
select
    s.clan_tag,
    s.fetched_at,
    q.snapshot_index,
    {{ json_text('item', ['tag']) }} as member_tag
from {{ ref('stg_clans__roster_snapshots') }} as s
{{ json_array_join('s.payload', 'items', 'item') }}
inner join {{ ref('int_roster_snapshots_sequenced') }} as q
    on q.clan_tag = s.clan_tag and q.fetched_at = s.fetched_at
