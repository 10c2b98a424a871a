-- The loader writes a member row only when the member's key-field hash changed: two consecutive rows
-- of a member never carry the same hash, and a zero-delta snapshot has no member rows.
with ordered as (
    select
        clan_tag,
        member_tag,
        fetched_at,
        member_hash,
        lag(member_hash) over (partition by clan_tag, member_tag order by fetched_at) as previous_hash
    from {{ ref('stg_clans__roster_members') }}
)

select clan_tag, member_tag, fetched_at, 'unchanged member written again' as problem
from ordered
where member_hash = previous_hash
union all
select m.clan_tag, m.member_tag, m.fetched_at, 'member row at a zero-delta snapshot'
from {{ ref('stg_clans__roster_members') }} as m
inner join {{ ref('int_roster_snapshots_sequenced') }} as s
    on s.clan_tag = m.clan_tag and s.fetched_at = m.fetched_at
where s.is_zero_delta
