{#- One row per project: the newest landed version
    (latest loaded_at, then the later position in the file; row_hash only breaks a tie between
    identical-time loads deterministically). A project that upvotes or intro requests name before its
    row has landed is an inferred member (`is_inferred`, attributes null). -#}
{#- a dimension with inferred members (macros/inferred_members.sql): selectors.yml leaves the relationship tests
    into it to the full audit -#}
{{ config(meta={'inferred_members': true}) }}
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
),

landed as (
    select
        project_id,
        owner_user_id,
        chain_id,
        project_name,
        tagline,
        description,
        created_at,
        loaded_at,
        false as is_inferred
    from versions
    where version_rank = 1
)

select * from landed
union all
{{ inferred_members(
    'project_id',
    'landed',
    [(source('discovery', 'upvotes'), 'project_id'), (source('discovery', 'intro_requests'), 'project_id')],
    [('owner_user_id', dbt.type_string()), ('chain_id', dbt.type_string()), ('project_name', dbt.type_string()),
     ('tagline', dbt.type_string()), ('description', dbt.type_string()), ('created_at', dbt.type_timestamp())],
) }}
