-- One row per `warehouse load` run: what it did, phase by phase, and for roster loads what the
-- snapshots it landed changed (members joined and left, zero deltas).
-- `read` and `validate` run per file (their durations add up); the other phases run once for all files
-- of a load and log the same duration on each file's row (counted once).
with logs as (
    select
        *,
        {{ dbt.dateadd('millisecond', 'cast(round(duration_ms) as bigint)', 'started_at') }} as ended_at
    from {{ ref('stg_ingestion__ingest_logs') }}
),

phase_order as (
    select distinct
        run_id,
        phase,
        case phase
            when 'read' then 1 when 'validate' then 2 when 'transform' then 3 when 'upsert_members' then 4
            when 'write_snapshot' then 5 when 'write' then 6 when 'write_stats' then 7 else 8
        end as phase_rank
    from logs
),

phases as (
    select run_id, {{ dbt.listagg('phase', "','", 'order by phase_rank, phase') }} as phases
    from phase_order
    group by run_id
),

failed_phases as (
    select run_id, {{ dbt.listagg('phase', "','", 'order by phase_rank, phase') }} as failed_phases
    from phase_order
    where exists (
        select 1 from logs
        where logs.run_id = phase_order.run_id and logs.phase = phase_order.phase and logs.is_failed
    )
    group by run_id
),

sources as (
    select run_id, {{ dbt.listagg('source', "','", 'order by source') }} as sources
    from (select distinct run_id, source from logs) as run_sources
    group by run_id
),

runs as (
    select
        run_id,
        min(started_at) as started_at,
        max(ended_at) as finished_at,
        count(distinct file) as n_files,
        sum(case when phase = 'read' then rows_read else 0 end) as rows_read,
        sum(rows_rejected) as rows_rejected,
        sum(case when phase in ('write', 'write_snapshot') then rows_written else 0 end) as rows_written,
        sum(case when phase in ('write', 'write_snapshot') then rows_duplicate else 0 end) as rows_duplicate,
        sum(case when phase = 'upsert_members' then rows_written else 0 end) as member_rows_written,
        sum(case when phase = 'read' then duration_ms end) as read_ms,
        sum(case when phase = 'validate' then duration_ms end) as validate_ms,
        max(case when phase = 'transform' then duration_ms end) as transform_ms,
        max(case when phase = 'upsert_members' then duration_ms end) as upsert_members_ms,
        max(case when phase = 'write_snapshot' then duration_ms end) as write_snapshot_ms,
        max(case when phase = 'write' then duration_ms end) as write_ms,
        max(case when phase = 'write_stats' then duration_ms end) as write_stats_ms,
        sum(case when is_failed then 1 else 0 end) as n_failed_phases,
        sum(case when status <> 'skipped' then 1 else 0 end) as n_phases_run,
        max(case when is_failed then error end) as error
    from logs
    group by run_id
),

roster as (
    select
        run_id,
        count(*) as n_snapshots,
        sum(members_joined) as members_joined,
        sum(members_left) as members_left,
        sum(case when is_zero_delta then 1 else 0 end) as n_zero_delta_snapshots,
        max(fetched_at) as last_fetched_at
    from {{ ref('int_roster_snapshots_compared') }}
    group by run_id
)

select
    runs.run_id,
    runs.started_at,
    runs.finished_at,
    {{ dbt.datediff('runs.started_at', 'runs.finished_at', 'millisecond') }} as duration_ms,
    case
        when runs.n_failed_phases > 0 then 'failed'
        when runs.n_phases_run = 0 then 'skipped'
        else 'ok'
    end as status,
    sources.sources,
    phases.phases,
    failed_phases.failed_phases,
    runs.error,
    runs.n_files,
    runs.rows_read,
    runs.rows_written,
    runs.rows_rejected,
    runs.rows_duplicate,
    runs.read_ms,
    runs.validate_ms,
    runs.transform_ms,
    runs.upsert_members_ms,
    runs.write_snapshot_ms,
    runs.write_ms,
    runs.write_stats_ms,
    runs.member_rows_written,
    coalesce(roster.n_snapshots, 0) as n_snapshots,
    roster.members_joined,
    roster.members_left,
    coalesce(roster.n_zero_delta_snapshots, 0) as n_zero_delta_snapshots,
    coalesce(roster.n_snapshots > 0 and roster.n_zero_delta_snapshots = roster.n_snapshots, false) as is_zero_delta,
    roster.last_fetched_at
from runs
inner join phases on phases.run_id = runs.run_id
inner join sources on sources.run_id = runs.run_id
left join failed_phases on failed_phases.run_id = runs.run_id
left join roster on roster.run_id = runs.run_id
