{#- One row per project: the newest landed version
    (latest loaded_at, then the later position in the file; row_hash only breaks a tie between
    identical-time loads deterministically). -#}
with versions as (
    select
        project_id,
        owner_user_id,
        chain_id,
        name as project_name,
        tagline,
        description,
        created_at,
        loaded_at,
        row_number() over (
            partition by project_id
            order by loaded_at desc, source_position desc, row_hash desc
        ) as version_rank
    from {{ source('discovery', 'projects') }}
)

select
    project_id,
    owner_user_id,
    chain_id,
    project_name,
    tagline,
    description,
    created_at,
    loaded_at
from versions
where version_rank = 1
