-- Home-village units of every member version that carries player details, with the unit's level cap at
-- the town hall below the member's (`clan_unit_level_caps`; 0 when the unit is locked there) and the
-- level counted towards rush % (the level, at most that cap).
with versions as (
    select clan_tag, member_tag, fetched_at as version_at, town_hall_level, member_json
    from {{ ref('stg_clans__roster_members') }}
    where has_details
),

units as (
    select
        v.clan_tag,
        v.member_tag,
        v.version_at,
        v.town_hall_level,
        'hero' as category,
        {{ json_text('unit', ['name']) }} as unit_name,
        cast({{ json_text('unit', ['level']) }} as integer) as unit_level,
        coalesce({{ json_text('unit', ['village']) }}, 'home') as village
    from versions as v
    {{ json_array_join('v.member_json', 'heroes', 'unit') }}
    union all
    select
        v.clan_tag,
        v.member_tag,
        v.version_at,
        v.town_hall_level,
        'lab' as category,
        {{ json_text('unit', ['name']) }} as unit_name,
        cast({{ json_text('unit', ['level']) }} as integer) as unit_level,
        coalesce({{ json_text('unit', ['village']) }}, 'home') as village
    from versions as v
    {{ json_array_join('v.member_json', 'troops', 'unit') }}
)

select
    units.clan_tag,
    units.member_tag,
    units.version_at,
    units.town_hall_level,
    units.category,
    units.unit_name,
    units.unit_level,
    coalesce(caps.level_cap, 0) as level_cap,
    least(units.unit_level, coalesce(caps.level_cap, 0)) as counted_level
from units
left join {{ ref('clan_unit_level_caps') }} as caps
    on caps.unit_name = units.unit_name
    and caps.town_hall_level = units.town_hall_level - 1
where units.village = 'home'
