-- Every file of every load accounts for each row it read: landed, rejected, or already landed.
-- (Phases log their own counts: read -> rows_read, validate -> rows_rejected,
--  write -> rows_written and rows_duplicate.)
select run_id, source, file,
       sum(rows_read) as rows_read,
       sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate) as rows_accounted
from {{ ref('stg_ingestion__ingest_logs') }}
group by run_id, source, file
having sum(case when phase = 'write' then 1 else 0 end) > 0
   and sum(rows_read) <> sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate)
