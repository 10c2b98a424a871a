{#- One row per chain: the newest landed version
    (latest loaded_at, then the later position in the file; row_hash only breaks a tie between
    identical-time loads deterministically). -#}
with versions as (
    select
        chain_id,
        name as chain_name,
        loaded_at,
        row_number() over (
            partition by chain_id
            order by loaded_at desc, source_position desc, row_hash desc
        ) as version_rank
    from {{ source('discovery', 'chains') }}
)

select
    chain_id,
    chain_name,
    loaded_at
from versions
where version_rank = 1
