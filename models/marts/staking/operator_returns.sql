{{ config(post_hook="{{ staking_create_indexes([['operator_id', 'epoch'], ['epoch']]) }}") }}

{%- set seconds_per_year = var('staking_days_per_year') * 86400 %}

with listings as (
    select
        domain_id,
        epoch,
        operator_id,
        ended_at,
        total_stake,
        total_shares,
        event_seq,
        true as is_recomputed
    from {{ staking_recomputed_rows(ref('int_operator_epochs_combined')) }} as combined
    where is_listed
    {%- if is_incremental() %}
    union all
    {#- in an incremental run, each operator's last listing before the recomputed epochs: the previous
        epoch of its first recomputed one (not itself recomputed) #}
    select
        combined.domain_id,
        combined.epoch,
        combined.operator_id,
        combined.ended_at,
        combined.total_stake,
        combined.total_shares,
        combined.event_seq,
        false as is_recomputed
    from {{ staking_last_rows_before_recomputed(ref('int_operator_epochs_combined'), 'earlier.is_listed') }} as combined
    {%- endif %}
),

listed as (
    select
        domain_id,
        epoch,
        operator_id,
        ended_at,
        case
            when total_shares > 0
                then {{ as_double('total_stake') }} / {{ as_double('total_shares') }}
        end as stake_per_share,
        event_seq,
        is_recomputed
    from listings
),

with_previous as (
    select
        listed.*,
        lag(epoch) over by_epoch as previous_epoch,
        lag(ended_at) over by_epoch as previous_ended_at,
        lag(stake_per_share) over by_epoch as previous_stake_per_share
    from listed
    window by_epoch as (partition by domain_id, operator_id order by epoch)
),

measured as (
    select
        *,
        {{ dbt.datediff('previous_ended_at', 'ended_at', 'millisecond') }} / 1000.0 as elapsed_seconds,
        case
            when previous_stake_per_share > 0 and stake_per_share > 0
                then ln(stake_per_share / previous_stake_per_share)
        end as log_growth
    from with_previous
)

select
    epoch,
    domain_id,
    operator_id,
    ended_at,
    stake_per_share,
    previous_epoch,
    epoch - previous_epoch as epochs_elapsed,
    {{ as_double('elapsed_seconds') }} as elapsed_seconds,
    case
        when previous_stake_per_share > 0 then stake_per_share / previous_stake_per_share - 1
    end as growth,
    case
        when elapsed_seconds > 0
            and log_growth * {{ seconds_per_year }} / elapsed_seconds between -700 and 700
            then exp(log_growth * {{ seconds_per_year }} / elapsed_seconds) - 1
    end as annualized_growth,
    event_seq
from measured
where is_recomputed
order by domain_id, epoch, operator_id
