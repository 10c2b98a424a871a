-- Rush % of every member version with player details (clans.md): per category,
-- 100 − 100 · Σ min(level, cap(TH − 1)) / Σ cap(TH − 1) over the home-village units of the seed, so a
-- unit the member has not unlocked counts as level 0. `lab` is the troops, `hero` the heroes,
-- `overall` both. Null when the caps at TH − 1 sum to 0 (town hall 1).
with versions as (
    select clan_tag, member_tag, fetched_at as version_at, town_hall_level
    from {{ ref('stg_clans__roster_members') }}
    where has_details
),

caps as (
    select town_hall_level + 1 as for_town_hall_level, category, sum(level_cap) as cap_sum
    from {{ ref('clan_unit_level_caps') }}
    group by town_hall_level, category
),

levels as (
    select clan_tag, member_tag, version_at, category, sum(counted_level) as level_sum
    from {{ ref('int_member_units_capped') }}
    group by clan_tag, member_tag, version_at, category
),

sums as (
    select
        v.clan_tag,
        v.member_tag,
        v.version_at,
        v.town_hall_level,
        coalesce(lab_levels.level_sum, 0) as lab_level_sum,
        coalesce(lab_caps.cap_sum, 0) as lab_cap_sum,
        coalesce(hero_levels.level_sum, 0) as hero_level_sum,
        coalesce(hero_caps.cap_sum, 0) as hero_cap_sum
    from versions as v
    left join levels as lab_levels
        on lab_levels.clan_tag = v.clan_tag and lab_levels.member_tag = v.member_tag
        and lab_levels.version_at = v.version_at and lab_levels.category = 'lab'
    left join levels as hero_levels
        on hero_levels.clan_tag = v.clan_tag and hero_levels.member_tag = v.member_tag
        and hero_levels.version_at = v.version_at and hero_levels.category = 'hero'
    left join caps as lab_caps
        on lab_caps.for_town_hall_level = v.town_hall_level and lab_caps.category = 'lab'
    left join caps as hero_caps
        on hero_caps.for_town_hall_level = v.town_hall_level and hero_caps.category = 'hero'
)

select
    clan_tag,
    member_tag,
    version_at,
    town_hall_level,
    lab_level_sum,
    lab_cap_sum,
    hero_level_sum,
    hero_cap_sum,
    case when lab_cap_sum > 0
        then 100 - 100 * {{ as_double('lab_level_sum') }} / lab_cap_sum end as rush_pct_lab,
    case when hero_cap_sum > 0
        then 100 - 100 * {{ as_double('hero_level_sum') }} / hero_cap_sum end as rush_pct_hero,
    case when lab_cap_sum + hero_cap_sum > 0
        then 100 - 100 * {{ as_double('lab_level_sum + hero_level_sum') }}
            / (lab_cap_sum + hero_cap_sum) end as rush_pct_overall
from sums
