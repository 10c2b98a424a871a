{#- Reconciliation: chain_posts recomputed from the raw posts and comments. -#}
with expected as (
    select
        posts.post_id,
        count(comments.comment_id) as comment_count,
        max(comments.created_at) as last_comment_at
    from {{ source('discovery', 'chain_posts') }} as posts
    left join {{ source('discovery', 'post_comments') }} as comments on posts.post_id = comments.post_id
    group by posts.post_id
),

actual as (
    select post_id, comment_count, last_comment_at
    from {{ ref('chain_posts') }}
)

select
    coalesce(expected.post_id, actual.post_id) as post_id,
    expected.comment_count as expected_comment_count,
    actual.comment_count
from expected
full outer join actual on expected.post_id = actual.post_id
where expected.post_id is null
    or actual.post_id is null
    or expected.comment_count <> actual.comment_count
    or expected.last_comment_at is distinct from actual.last_comment_at
