-- Every epoch's operator_share_prices_json holds exactly the operators of operator_share_prices for that
-- epoch (count check here; the value-exact round trip is tested in tests/python/staking).
select analytics.domain_id, analytics.epoch
from {{ ref('epoch_analytics') }} as analytics
left join (
    select domain_id, epoch, count(*) as n_prices
    from {{ ref('operator_share_prices') }}
    group by domain_id, epoch
) as prices
    on analytics.domain_id = prices.domain_id
    and analytics.epoch = prices.epoch
where {{ json_object_size('analytics.operator_share_prices_json') }} <> coalesce(prices.n_prices, 0)
