{#- One row per user: its newest landed version wins (latest loaded_at, then the later position in the
    file; row_hash only makes a tie between identical-time loads deterministic). -#}
select
    user_id,
    handle,
    created_at,
    loaded_at
from (
    select
        *,
        row_number() over (
            partition by user_id
            order by loaded_at desc, source_position desc, row_hash desc
        ) as version_rank
    from {{ source('community', 'users') }}
    where user_id is not null
) as versions
where version_rank = 1
