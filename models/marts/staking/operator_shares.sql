{{ config(post_hook="{{ staking_create_indexes([['operator_id', 'epoch'], ['epoch']]) }}") }}

select
    epoch,
    domain_id,
    operator_id,
    total_shares,
    total_stake,
    {{ as_double('total_shares') }} as total_shares_double,
    {{ as_double('total_stake') }} as total_stake_double,
    status,
    event_seq
from {{ staking_recomputed_rows(ref('int_operator_epochs_combined')) }} as combined
where is_listed
order by domain_id, epoch, operator_id
