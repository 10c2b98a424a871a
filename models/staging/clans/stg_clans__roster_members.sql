-- Typed member versions (the loader's differential rows): both roster shapes on one set of columns.
-- Older feeds carry `league` and `versusTrophies`, newer ones `leagueTier`, `builderBaseTrophies` and
-- `builderBaseLeague`; the newer field wins when both are present. Types were checked at landing
-- (python/warehouse/loaders/roster_members.py), so the casts cannot fail on landed rows.
with members as (
    select
        clan_tag,
        member_tag,
        fetched_at,
        member_hash,
        member,
        run_id,
        loaded_at
    from {{ source('clans', 'roster_members') }}
),

extracted as (
    {#- the scalar fields in one extraction: one parse of each member document (see json_texts), where one
        json_text per field parsed it again per field; the unit lists, long, are only tested for presence -#}
    select
        members.*,
        {{ json_texts('member', [
            ['name'],
            ['role'],
            ['expLevel'],
            ['townHallLevel'],
            ['trophies'],
            ['builderBaseTrophies'],
            ['versusTrophies'],
            ['leagueTier', 'id'],
            ['league', 'id'],
            ['leagueTier', 'name'],
            ['league', 'name'],
            ['builderBaseLeague', 'id'],
            ['builderBaseLeague', 'name'],
            ['donations'],
            ['donationsReceived'],
        ]) }} as texts
    from members
)

select
    clan_tag,
    member_tag,
    fetched_at,
    member_hash,
    texts[1] as member_name,
    texts[2] as role,
    cast(texts[3] as integer) as exp_level,
    cast(texts[4] as integer) as town_hall_level,
    cast(texts[5] as integer) as trophies,
    cast(coalesce(texts[6], texts[7]) as integer) as builder_base_trophies,
    cast(coalesce(texts[8], texts[9]) as bigint) as league_id,
    coalesce(texts[10], texts[11]) as league_name,
    cast(texts[12] as bigint) as builder_base_league_id,
    texts[13] as builder_base_league_name,
    cast(texts[14] as integer) as donations,
    cast(texts[15] as integer) as donations_received,
    case
        when texts[8] is not null or texts[6] is not null then 'current'
        when texts[9] is not null or texts[7] is not null then 'legacy'
    end as roster_shape,
    (
        {{ json_text('member', ['heroes']) }} is not null
        or {{ json_text('member', ['troops']) }} is not null
    ) as has_details,
    member as member_json,
    run_id,
    loaded_at
from extracted
