select
    run_id,
    source,
    file,
    phase,
    started_at,
    duration_ms,
    rows_read,
    rows_written,
    rows_rejected,
    rows_duplicate,
    status,
    error,
    status = 'failed' as is_failed
from {{ source('ingestion', 'ingest_logs') }}
