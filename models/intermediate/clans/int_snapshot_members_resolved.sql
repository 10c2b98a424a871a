-- Every member of every snapshot with its typed attributes as of that snapshot: the member's latest
-- differential row at or before the snapshot (carried forward in time order, without a range join).
with listed as (
    select clan_tag, member_tag, fetched_at, snapshot_index, is_rejected
    from {{ ref('int_snapshot_members_listed') }}
),

versions as (
    select * from {{ ref('stg_clans__roster_members') }}
),

timeline as (
    select clan_tag, member_tag, fetched_at, cast(null as timestamp) as version_at, 1 as is_listed
    from listed
    union all
    select clan_tag, member_tag, fetched_at, fetched_at as version_at, 0 as is_listed
    from versions
),

carried as (
    select
        clan_tag,
        member_tag,
        fetched_at,
        is_listed,
        max(version_at) over (
            partition by clan_tag, member_tag
            order by fetched_at, is_listed
            rows between unbounded preceding and current row
        ) as version_at
    from timeline
)

select
    listed.clan_tag,
    listed.member_tag,
    listed.fetched_at,
    listed.snapshot_index,
    v.fetched_at as version_at,
    v.member_hash,
    v.member_name,
    v.role,
    v.exp_level,
    v.town_hall_level,
    v.trophies,
    v.builder_base_trophies,
    v.league_id,
    v.league_name,
    v.builder_base_league_id,
    v.builder_base_league_name,
    v.donations,
    v.donations_received,
    v.roster_shape,
    v.has_details
from listed
inner join carried
    on carried.clan_tag = listed.clan_tag
    and carried.member_tag = listed.member_tag
    and carried.fetched_at = listed.fetched_at
    and carried.is_listed = 1
left join versions as v
    on v.clan_tag = carried.clan_tag
    and v.member_tag = carried.member_tag
    and v.fetched_at = carried.version_at
-- a rejected member keeps its last good state; one never seen in good shape is not listed until it is
where not (listed.is_rejected and v.fetched_at is null)
