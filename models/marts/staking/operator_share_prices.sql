{{ config(post_hook="{{ staking_create_indexes([['operator_id', 'epoch'], ['epoch']]) }}") }}

select
    epoch,
    domain_id,
    operator_id,
    share_price_perq,
    share_price_perq_text,
    {{ as_double('share_price_perq') }} as share_price_perq_double,
    share_price,
    is_observed,
    observed_epoch,
    event_seq
from {{ staking_recomputed_rows(ref('int_operator_share_prices_filled')) }} as filled
order by domain_id, epoch, operator_id
