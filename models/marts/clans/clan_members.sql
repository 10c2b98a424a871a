-- Every member a clan has had: current attributes (as of the member's last snapshot), whether they
-- are still in the clan, and their latest membership spell.
with spells as (
    select
        *,
        row_number() over (partition by clan_tag, member_tag order by spell_number desc) as recency,
        count(*) over (partition by clan_tag, member_tag) as n_spells,
        min(joined_at) over (partition by clan_tag, member_tag) as first_joined_at
    from {{ ref('int_member_spells_grouped') }}
),

latest_spell as (
    select * from spells where recency = 1
),

clans as (
    select clan_tag, max(fetched_at) as clan_latest_snapshot_at, max(loaded_at) as clan_latest_loaded_at
    from {{ ref('int_roster_snapshots_sequenced') }}
    group by clan_tag
)

select
    s.clan_tag,
    s.member_tag,
    m.member_name,
    m.role,
    m.town_hall_level,
    m.exp_level,
    m.trophies,
    m.builder_base_trophies,
    m.league_id,
    m.league_name,
    m.builder_base_league_id,
    m.builder_base_league_name,
    m.donations,
    m.donations_received,
    s.is_open as is_current_member,
    s.joined_at,
    s.left_at,
    s.last_seen_at,
    {{ dbt.datediff(
        's.joined_at', 'case when s.is_open then c.clan_latest_snapshot_at else s.last_seen_at end', 'day'
    ) }}
        as tenure_days,
    s.first_joined_at,
    s.n_spells,
    c.clan_latest_snapshot_at,
    c.clan_latest_loaded_at
from latest_spell as s
inner join clans as c on c.clan_tag = s.clan_tag
inner join {{ ref('int_snapshot_members_resolved') }} as m
    on m.clan_tag = s.clan_tag and m.member_tag = s.member_tag and m.fetched_at = s.last_seen_at
