-- Versions of the attributes the SCD snapshot tracks (name, role, town hall, league): a new version
-- at the first member row where any of them differs from the previous row, valid until the next one.
with rows_ordered as (
    select
        clan_tag,
        member_tag,
        fetched_at,
        member_name,
        role,
        town_hall_level,
        league_id,
        league_name,
        lag(fetched_at) over by_member as previous_fetched_at,
        lag(member_name) over by_member as previous_member_name,
        lag(role) over by_member as previous_role,
        lag(town_hall_level) over by_member as previous_town_hall_level,
        lag(league_id) over by_member as previous_league_id,
        lag(league_name) over by_member as previous_league_name
    from {{ ref('stg_clans__roster_members') }}
    window by_member as (partition by clan_tag, member_tag order by fetched_at)
),

changes as (
    select *
    from rows_ordered
    where previous_fetched_at is null
        or member_name is distinct from previous_member_name
        or role is distinct from previous_role
        or town_hall_level is distinct from previous_town_hall_level
        or league_id is distinct from previous_league_id
        or league_name is distinct from previous_league_name
)

select
    clan_tag,
    member_tag,
    fetched_at as attributes_changed_at,
    lead(fetched_at) over (partition by clan_tag, member_tag order by fetched_at) as valid_to,
    lead(fetched_at) over (partition by clan_tag, member_tag order by fetched_at) is null as is_latest,
    member_name,
    role,
    town_hall_level,
    league_id,
    league_name
from changes
