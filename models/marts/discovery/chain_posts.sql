{#- Chain forum posts with their comment counts. Posts and comments are append-only events, so this
    is incremental by arithmetic: a run reads the posts and comments landed since the last run
    (event_seq high-water mark over both); a post already in the table gets its new comments added
    to its count, a new post is counted from all its comments (a comment may land before its post). -#}
{{ config(
    materialized='incremental',
    unique_key='post_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

with new_posts as (
    select post_id, chain_id, author_id, title, body, created_at, event_seq, loaded_at
    from {{ ref('stg_discovery__chain_posts') }}
    where {{ since_last_run('event_seq', 'newest_event_seq') }}
),

new_post_comments as (
    select
        post_id,
        count(*) as comment_count,
        max(created_at) as last_comment_at,
        max(event_seq) as newest_event_seq,
        max(loaded_at) as newest_loaded_at
    from {{ ref('stg_discovery__post_comments') }}
    where post_id in (select post_id from new_posts)
    group by post_id
),

counted_new_posts as (
    select
        new_posts.post_id,
        new_posts.chain_id,
        new_posts.author_id,
        new_posts.title,
        new_posts.body,
        new_posts.created_at,
        coalesce(new_post_comments.comment_count, 0) as comment_count,
        new_post_comments.last_comment_at,
        greatest(new_posts.event_seq, new_post_comments.newest_event_seq) as newest_event_seq,
        greatest(new_posts.loaded_at, new_post_comments.newest_loaded_at) as newest_loaded_at
    from new_posts
    left join new_post_comments on new_posts.post_id = new_post_comments.post_id
)
{%- if is_incremental() %},

comment_delta as (
    select
        post_id,
        count(*) as comment_count,
        max(created_at) as last_comment_at,
        max(event_seq) as newest_event_seq,
        max(loaded_at) as newest_loaded_at
    from {{ ref('stg_discovery__post_comments') }}
    where {{ since_last_run('event_seq', 'newest_event_seq') }}
    group by post_id
),

counted_known_posts as (
    select
        known.post_id,
        known.chain_id,
        known.author_id,
        known.title,
        known.body,
        known.created_at,
        known.comment_count + comment_delta.comment_count as comment_count,
        greatest(known.last_comment_at, comment_delta.last_comment_at) as last_comment_at,
        greatest(known.newest_event_seq, comment_delta.newest_event_seq) as newest_event_seq,
        greatest(known.newest_loaded_at, comment_delta.newest_loaded_at) as newest_loaded_at
    from {{ this }} as known
    inner join comment_delta on known.post_id = comment_delta.post_id
),

counted_posts as (
    select * from counted_new_posts
    union all
    select * from counted_known_posts
)
{%- else %},

counted_posts as (
    select * from counted_new_posts
)
{%- endif %}

select
    post_id,
    chain_id,
    author_id,
    title,
    body,
    created_at,
    comment_count,
    last_comment_at,
    {{ build_time() }} as as_of,
    newest_event_seq,
    newest_loaded_at
from counted_posts
