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
)

select
    clan_tag,
    member_tag,
    fetched_at,
    member_hash,
    {{ json_text('member', ['name']) }} as member_name,
    {{ json_text('member', ['role']) }} as role,
    cast({{ json_text('member', ['expLevel']) }} as integer) as exp_level,
    cast({{ json_text('member', ['townHallLevel']) }} as integer) as town_hall_level,
    cast({{ json_text('member', ['trophies']) }} as integer) as trophies,
    cast(coalesce(
        {{ json_text('member', ['builderBaseTrophies']) }},
        {{ json_text('member', ['versusTrophies']) }}
    ) as integer) as builder_base_trophies,
    cast(coalesce(
        {{ json_text('member', ['leagueTier', 'id']) }},
        {{ json_text('member', ['league', 'id']) }}
    ) as bigint) as league_id,
    coalesce(
        {{ json_text('member', ['leagueTier', 'name']) }},
        {{ json_text('member', ['league', 'name']) }}
    ) as league_name,
    cast({{ json_text('member', ['builderBaseLeague', 'id']) }} as bigint) as builder_base_league_id,
    {{ json_text('member', ['builderBaseLeague', 'name']) }} as builder_base_league_name,
    cast({{ json_text('member', ['donations']) }} as integer) as donations,
    cast({{ json_text('member', ['donationsReceived']) }} as integer) as donations_received,
    case
        when {{ json_text('member', ['leagueTier', 'id']) }} is not null
            or {{ json_text('member', ['builderBaseTrophies']) }} is not null then 'current'
        when {{ json_text('member', ['league', 'id']) }} is not null
            or {{ json_text('member', ['versusTrophies']) }} is not null then 'legacy'
    end as roster_shape,
    (
        {{ json_text('member', ['heroes']) }} is not null
        or {{ json_text('member', ['troops']) }} is not null
    ) as has_details,
    member as member_json,
    run_id,
    loaded_at
from members
