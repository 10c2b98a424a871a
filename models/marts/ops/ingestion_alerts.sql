{{ config(
    materialized='incremental',
    unique_key='alert_id',
    incremental_strategy='delete+insert',
    full_refresh=false,
) }}
-- One row per anomaly of ingestion (clans.md): members missing, zero deltas, long duration, failed
-- phase, partial snapshot (quality.md). Every build re-detects every anomaly over the (small, append-only) history of snapshots and
-- loads and upserts it by alert_id: an alert's state (open/closed, last seen) follows the data, and an
-- alert once raised is never lost — the model is an append-only log (`full_refresh: false`).
{%- set missing_pct = var('clans_alert_missing_members_pct') %}
{%- set zero_run = var('clans_alert_zero_delta_run') %}
{%- set factor = var('clans_alert_long_duration_factor') %}
{%- set window_size = var('clans_alert_long_duration_window') %}
{%- set min_loads = var('clans_alert_long_duration_min_loads') %}
{%- set min_ms = var('clans_alert_long_duration_min_ms') %}
{%- set critical = var('clans_alert_critical_multiple') %}
with snapshots as (
    select
        clan_tag,
        fetched_at,
        snapshot_index,
        member_count,
        previous_member_count,
        identical_run_length
    from {{ ref('int_roster_snapshots_compared') }}
),

-- members missing: the member count dropped by more than the threshold vs the previous snapshot;
-- open until a later snapshot is back within the threshold of the count before the drop
drops as (
    select
        clan_tag,
        fetched_at,
        previous_member_count,
        member_count,
        100 * {{ as_double('previous_member_count - member_count') }} / previous_member_count as drop_pct
    from snapshots
    where previous_member_count > 0
        and 100 * {{ as_double('previous_member_count - member_count') }} / previous_member_count
            > {{ missing_pct }}
),

drop_recoveries as (
    select
        drops.clan_tag,
        drops.fetched_at,
        min(later.fetched_at) as recovered_at
    from drops
    inner join snapshots as later
        on later.clan_tag = drops.clan_tag
        and later.fetched_at > drops.fetched_at
        and 100 * {{ as_double('drops.previous_member_count - later.member_count') }}
            / drops.previous_member_count <= {{ missing_pct }}
    group by drops.clan_tag, drops.fetched_at
),

members_missing as (
    select
        drops.clan_tag,
        drops.fetched_at,
        drops.previous_member_count,
        drops.member_count,
        drops.drop_pct,
        max(still.fetched_at) as last_seen_at,
        r.recovered_at
    from drops
    left join drop_recoveries as r on r.clan_tag = drops.clan_tag and r.fetched_at = drops.fetched_at
    inner join snapshots as still
        on still.clan_tag = drops.clan_tag
        and still.fetched_at >= drops.fetched_at
        and (r.recovered_at is null or still.fetched_at < r.recovered_at)
    group by drops.clan_tag, drops.fetched_at, drops.previous_member_count, drops.member_count, drops.drop_pct,
        r.recovered_at
),

-- zero deltas: the same payload in at least `zero_run` consecutive snapshots; open while it lasts
payload_runs as (
    select
        clan_tag,
        snapshot_index - identical_run_length + 1 as first_index,
        max(identical_run_length) as run_length,
        min(fetched_at) as run_started_at,
        max(fetched_at) as last_seen_at,
        min(case when identical_run_length = {{ zero_run }} then fetched_at end) as reached_at
    from snapshots
    group by clan_tag, snapshot_index - identical_run_length + 1
),

zero_deltas as (
    select
        runs.clan_tag,
        runs.run_started_at,
        runs.run_length,
        runs.reached_at,
        runs.last_seen_at,
        changed.fetched_at as changed_at
    from payload_runs as runs
    left join snapshots as changed
        on changed.clan_tag = runs.clan_tag and changed.snapshot_index = runs.first_index + runs.run_length
    where runs.run_length >= {{ zero_run }}
),

-- long duration: a load longer than `factor` × the median of the `window_size` loads before it
loads as (
    select
        run_id,
        started_at,
        duration_ms,
        row_number() over (order by started_at, run_id) as load_number
    from {{ ref('ingestion_health') }}
    where status <> 'skipped'
),

baselines as (
    select
        loads.run_id,
        count(*) as n_earlier,
        {{ median('earlier.duration_ms') }} as median_ms
    from loads
    inner join loads as earlier
        on earlier.load_number < loads.load_number
        and earlier.load_number >= loads.load_number - {{ window_size }}
    group by loads.run_id
),

judged as (
    select
        loads.*,
        b.median_ms,
        coalesce(
            b.n_earlier >= {{ min_loads }}
            and loads.duration_ms >= {{ min_ms }}
            and loads.duration_ms > {{ factor }} * b.median_ms,
            false
        ) as is_long
    from loads
    left join baselines as b on b.run_id = loads.run_id
),

long_durations as (
    select
        long_load.run_id,
        long_load.started_at,
        long_load.duration_ms,
        long_load.median_ms,
        min(normal_load.started_at) as closed_at
    from judged as long_load
    left join judged as normal_load
        on normal_load.load_number > long_load.load_number and not normal_load.is_long
    where long_load.is_long
    group by long_load.run_id, long_load.started_at, long_load.duration_ms, long_load.median_ms
),

-- failed phase: a phase that failed (after its retries); the failures of a file's phase up to the next
-- load that lands the file without a failure are one alert, closed by that load
file_runs as (
    select
        run_id,
        source,
        file,
        min(started_at) as started_at,
        max(case when is_failed then 1 else 0 end) = 0 and max(case when status = 'ok' then 1 else 0 end) = 1
            as is_success
    from {{ ref('stg_ingestion__ingest_logs') }}
    group by run_id, source, file
),

failures as (
    select
        logs.run_id,
        logs.source,
        logs.file,
        logs.phase,
        logs.started_at,
        logs.error,
        (
            select min(success.started_at)
            from file_runs as success
            where success.source = logs.source and success.file = logs.file and success.is_success
                and success.started_at > logs.started_at
        ) as resolved_at
    from {{ ref('stg_ingestion__ingest_logs') }} as logs
    where logs.is_failed
),

failure_episodes as (
    select
        source,
        file,
        phase,
        resolved_at,
        min(started_at) as first_seen_at,
        max(started_at) as last_seen_at,
        count(*) as n_occurrences
    from failures
    group by source, file, phase, resolved_at
),

failed_phases as (
    select
        e.*,
        latest.run_id,
        latest.error
    from failure_episodes as e
    inner join failures as latest
        on latest.source = e.source and latest.file = e.file and latest.phase = e.phase
        and latest.started_at = e.last_seen_at
),

-- partial snapshot: the loader rejected some members of a snapshot (they keep their last good state);
-- open until a later snapshot of the clan lands complete
partial_snapshots as (
    select
        partial.clan_tag,
        partial.fetched_at,
        partial.members_rejected,
        partial.run_id,
        (
            select min(later.fetched_at)
            from {{ ref('stg_clans__roster_snapshots') }} as later
            where later.clan_tag = partial.clan_tag and later.fetched_at > partial.fetched_at
                and not later.is_partial
        ) as completed_at
    from {{ ref('stg_clans__roster_snapshots') }} as partial
    where partial.is_partial
),

alerts as (
    select
        'members_missing' as alert_type,
        'members_missing|' || clan_tag || '|' || cast(fetched_at as {{ dbt.type_string() }}) as alert_key,
        case when drop_pct > {{ critical }} * {{ missing_pct }} then 'critical' else 'warning' end as severity,
        clan_tag,
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as file,
        cast(null as {{ dbt.type_string() }}) as run_id,
        cast(null as {{ dbt.type_string() }}) as phase,
        drop_pct as observed_value,
        {{ as_double(missing_pct) }} as threshold_value,
        'member count dropped from ' || cast(previous_member_count as {{ dbt.type_string() }}) || ' to '
            || cast(member_count as {{ dbt.type_string() }}) as detail,
        fetched_at as first_seen_at,
        last_seen_at,
        recovered_at as closed_at,
        cast(1 as bigint) as n_occurrences
    from members_missing
    union all
    select
        'zero_deltas',
        'zero_deltas|' || clan_tag || '|' || cast(run_started_at as {{ dbt.type_string() }}),
        case when run_length >= {{ critical }} * {{ zero_run }} then 'critical' else 'warning' end,
        clan_tag,
        null,
        null,
        null,
        null,
        {{ as_double('run_length') }},
        {{ as_double(zero_run) }},
        'the same payload in ' || cast(run_length as {{ dbt.type_string() }})
            || ' consecutive snapshots since ' || cast(run_started_at as {{ dbt.type_string() }}),
        reached_at,
        last_seen_at,
        changed_at,
        cast(1 as bigint)
    from zero_deltas
    union all
    select
        'long_duration',
        'long_duration|' || run_id,
        case when duration_ms > {{ critical }} * {{ factor }} * median_ms then 'critical' else 'warning' end,
        null,
        null,
        null,
        run_id,
        null,
        {{ as_double('duration_ms') }},
        {{ factor }} * median_ms,
        'load took ' || cast(duration_ms as {{ dbt.type_string() }}) || ' ms; median of the earlier loads '
            || cast(round(cast(median_ms as numeric), 1) as {{ dbt.type_string() }}) || ' ms',
        started_at,
        started_at,
        closed_at,
        cast(1 as bigint)
    from long_durations
    union all
    select
        'failed_phase',
        'failed_phase|' || source || '|' || file || '|' || phase || '|'
            || cast(first_seen_at as {{ dbt.type_string() }}),
        'critical',
        null,
        source,
        file,
        run_id,
        phase,
        {{ as_double('n_occurrences') }},
        {{ as_double('null') }},
        error,
        first_seen_at,
        last_seen_at,
        resolved_at,
        n_occurrences
    from failed_phases
    union all
    select
        'partial_snapshot',
        'partial_snapshot|' || clan_tag || '|' || cast(fetched_at as {{ dbt.type_string() }}),
        'warning',
        clan_tag,
        'roster_snapshots',
        null,
        run_id,
        null,
        {{ as_double('members_rejected') }},
        {{ as_double('0') }},
        cast(members_rejected as {{ dbt.type_string() }}) || ' member(s) rejected from the snapshot of '
            || cast(fetched_at as {{ dbt.type_string() }})
            || '; they keep their last good state (reasons in raw.rejects)',
        fetched_at,
        fetched_at,
        completed_at,
        cast(1 as bigint)
    from partial_snapshots
)

select
    md5(alert_key) as alert_id,
    alert_type,
    severity,
    closed_at is null as is_open,
    clan_tag,
    source,
    file,
    run_id,
    phase,
    observed_value,
    threshold_value,
    detail,
    first_seen_at,
    last_seen_at,
    closed_at,
    n_occurrences
from alerts
