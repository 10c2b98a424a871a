{#- Slider ratings (0–100), typed. Rows outside the contract (missing key or value, value off the scale)
    do not pass; the loaders reject them and the source tests fail loudly if one ever lands. -#}
select
    event_seq,
    event_id,
    user_id,
    nft_id,
    {{ as_double('value') }} as slider_value,
    occurred_at,
    loaded_at
from {{ source('community', 'sliders') }}
where event_seq is not null
    and event_id is not null
    and user_id is not null
    and nft_id is not null
    and occurred_at is not null
    and value between 0 and 100
