select
    run_id,
    source,
    file,
    position,
    reason_code,
    reason,
    raw_text,
    rejected_at
from {{ source('ingestion', 'rejects') }}
