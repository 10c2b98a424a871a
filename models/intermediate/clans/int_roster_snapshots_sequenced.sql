-- Each clan's snapshots in fetch order, compared with the previous one: zero delta (the same payload
-- hash) and how many consecutive snapshots have carried that payload so far.
with snapshots as (
    select clan_tag, fetched_at, member_count, payload_hash, run_id, loaded_at, event_seq
    from {{ ref('stg_clans__roster_snapshots') }}
),

sequenced as (
    select
        *,
        row_number() over by_fetch as snapshot_index,
        lag(fetched_at) over by_fetch as previous_fetched_at,
        lag(member_count) over by_fetch as previous_member_count,
        lag(payload_hash) over by_fetch as previous_payload_hash
    from snapshots
    window by_fetch as (partition by clan_tag order by fetched_at)
),

flagged as (
    select
        *,
        coalesce(payload_hash = previous_payload_hash, false) as is_zero_delta
    from sequenced
),

grouped as (
    select
        *,
        sum(case when is_zero_delta then 0 else 1 end) over (
            partition by clan_tag order by fetched_at rows between unbounded preceding and current row
        ) as payload_group
    from flagged
)

select
    clan_tag,
    fetched_at,
    snapshot_index,
    member_count,
    payload_hash,
    previous_fetched_at,
    previous_member_count,
    previous_payload_hash,
    is_zero_delta,
    row_number() over (partition by clan_tag, payload_group order by fetched_at) as identical_run_length,
    run_id,
    loaded_at,
    event_seq
from grouped
