{#- One row per NFT: its newest landed version wins (latest loaded_at, then the later position in the
    file; row_hash only makes a tie between identical-time loads deterministic). An NFT that events name
    before its row has landed is an inferred member (`is_inferred`, attributes null) until it lands. -#}
{#- a dimension with inferred members (macros/inferred_members.sql): selectors.yml leaves the relationship tests
    into it to the full audit -#}
{{ config(meta={'inferred_members': true}) }}
with landed as (
    select
        nft_id,
        collection,
        token_id,
        name as nft_name,
        created_at,
        loaded_at,
        false as is_inferred
    from (
        select
            *,
            row_number() over (
                partition by nft_id
                order by loaded_at desc, source_position desc, row_hash desc
            ) as version_rank
        from {{ source('community', 'nfts') }}
        where nft_id is not null
    ) as versions
    where version_rank = 1
)

select * from landed
union all
{{ inferred_members(
    'nft_id',
    'landed',
    [
        (source('community', 'votes'), 'nft_a'),
        (source('community', 'votes'), 'nft_b'),
        (source('community', 'sliders'), 'nft_id'),
        (source('community', 'fires'), 'nft_id'),
    ],
    [('collection', dbt.type_string()), ('token_id', dbt.type_string()), ('nft_name', dbt.type_string()),
     ('created_at', dbt.type_timestamp())],
) }}
