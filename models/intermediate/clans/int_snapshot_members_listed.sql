{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['clan_tag', 'fetched_at'],
    on_schema_change='fail',
) }}

-- Who is in each snapshot: one row per (snapshot, member tag), from the snapshot's own payload (the
-- differential member rows only say what changed, not who is present). A member the loader rejected
-- (`rejectedMemberTags` of a partial snapshot) is still listed, `is_rejected`: it keeps the state of its
-- last good snapshot and is never shown as having left.
-- Incremental: a run reads the payloads of the snapshots landed since its mark (`event_seq`, the
-- snapshot's) and renumbers the rows of the snapshots whose position in the clan's history moved (a
-- snapshot fetched earlier landed later); nothing else can change.
with snapshots as (
    select
        landed.clan_tag,
        landed.fetched_at,
        landed.payload,
        landed.event_seq,
        sequenced.snapshot_index
    from {{ ref('stg_clans__roster_snapshots') }} as landed
    inner join {{ ref('int_roster_snapshots_sequenced') }} as sequenced
        on landed.clan_tag = sequenced.clan_tag
        and landed.fetched_at = sequenced.fetched_at
    where {{ since_last_run('landed.event_seq', 'event_seq') }}
),

kept as (
    select
        s.clan_tag,
        s.fetched_at,
        s.snapshot_index,
        {{ json_text('item', ['tag']) }} as member_tag,
        false as is_rejected,
        s.event_seq
    from snapshots as s
    {{ json_array_join('s.payload', 'items', 'item') }}
),

rejected as (
    select
        s.clan_tag,
        s.fetched_at,
        s.snapshot_index,
        {{ json_text('rejected', ['tag']) }} as member_tag,
        true as is_rejected,
        s.event_seq
    from snapshots as s
    {{ json_array_join('s.payload', 'rejectedMemberTags', 'rejected') }}
)

select * from kept
union all
select * from rejected
{%- if is_incremental() %}
union all
select
    listed.clan_tag,
    listed.fetched_at,
    sequenced.snapshot_index,
    listed.member_tag,
    listed.is_rejected,
    listed.event_seq
from {{ this }} as listed
inner join {{ ref('int_roster_snapshots_sequenced') }} as sequenced
    on listed.clan_tag = sequenced.clan_tag
    and listed.fetched_at = sequenced.fetched_at
where sequenced.snapshot_index <> listed.snapshot_index
    and not exists (
        select 1 from snapshots
        where snapshots.clan_tag = listed.clan_tag and snapshots.fetched_at = listed.fetched_at
    )
{%- endif %}
