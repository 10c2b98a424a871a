{#- One row per investor profile: the newest landed version
    (latest loaded_at, then the later position in the file; row_hash only breaks a tie between
    identical-time loads deterministically). -#}
with versions as (
    select
        investor_id,
        user_id,
        firm,
        focus_chain_ids,
        check_size_min,
        check_size_max,
        created_at,
        loaded_at,
        row_number() over (
            partition by investor_id
            order by loaded_at desc, source_position desc, row_hash desc
        ) as version_rank
    from {{ source('discovery', 'investors') }}
)

select
    investor_id,
    user_id,
    firm,
    focus_chain_ids,
    check_size_min,
    check_size_max,
    created_at,
    loaded_at
from versions
where version_rank = 1
