{#- FIRE endorsements, typed. Rows without their keys do not pass (the loaders reject them). -#}
select
    event_seq,
    event_id,
    user_id,
    nft_id,
    occurred_at,
    loaded_at
from {{ source('community', 'fires') }}
where event_seq is not null
    and event_id is not null
    and user_id is not null
    and nft_id is not null
    and occurred_at is not null
