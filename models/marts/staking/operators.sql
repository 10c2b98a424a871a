with latest_epochs as (
    select domain_id, max(epoch) as latest_epoch
    from {{ ref('stg_staking__epochs') }}
    group by domain_id
),

appearances as (
    select
        domain_id,
        operator_id,
        min(epoch) as first_seen_epoch,
        max(epoch) as last_seen_epoch,
        count(*) as epochs_seen
    from {{ ref('int_operator_epochs_combined') }}
    group by domain_id, operator_id
),

listings as (
    select
        domain_id,
        operator_id,
        epoch,
        status,
        nomination_tax,
        minimum_nominator_stake,
        signing_key,
        row_number() over (partition by domain_id, operator_id order by epoch desc) as recency
    from {{ ref('stg_staking__operator_attributes') }}
)

select
    appearances.operator_id,
    appearances.domain_id,
    appearances.first_seen_epoch,
    appearances.last_seen_epoch,
    appearances.last_seen_epoch = latest_epochs.latest_epoch as is_active,
    last_listing.status,
    last_listing.nomination_tax,
    last_listing.minimum_nominator_stake,
    {{ as_double('last_listing.minimum_nominator_stake') }} as minimum_nominator_stake_double,
    last_listing.signing_key,
    last_listing.epoch as last_listed_epoch,
    appearances.epochs_seen
from appearances
inner join latest_epochs
    on appearances.domain_id = latest_epochs.domain_id
left join listings as last_listing
    on appearances.domain_id = last_listing.domain_id
    and appearances.operator_id = last_listing.operator_id
    and last_listing.recency = 1
order by appearances.domain_id, appearances.operator_id
