-- Every roster file of every load that completed accounts for each member it read: landed with its
-- snapshot, rejected, or already landed. Each roster phase balances on its own (read → rows_read;
-- transform → rows_rejected; upsert_members → members compared = written + unchanged; write_snapshot →
-- rows_written + rows_duplicate), so the sums over the file's phases balance too. A load whose phase
-- failed is excluded: its rows were neither written nor rejected (loading it again completes it).
select run_id, file,
       sum(rows_read) as rows_read,
       sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate) as rows_accounted
from {{ ref('stg_ingestion__ingest_logs') }}
where source = 'roster_snapshots'
group by run_id, file
having sum(case when phase = 'write_snapshot' then 1 else 0 end) > 0
   and sum(case when is_failed then 1 else 0 end) = 0
   and sum(rows_read) <> sum(rows_written) + sum(rows_rejected) + sum(rows_duplicate)
