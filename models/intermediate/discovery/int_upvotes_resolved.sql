{#- The current upvote state of every (user, project) pair that has any action: the last action in
    event_seq order wins (`up` = currently upvoted, `remove` = not). Incremental: each run reads only
    the actions landed since the last run (event_seq high-water mark) and merges them into the pairs
    they touch; counts and first/latest times carry over from the pair's earlier state. -#}
{{ config(
    materialized='incremental',
    unique_key=['user_id', 'project_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

with new_actions as (
    select user_id, project_id, action, is_up, occurred_at, event_seq, loaded_at
    from {{ ref('stg_discovery__upvotes') }}
    where {{ since_last_run('event_seq') }}
),

ordered_actions as (
    select
        *,
        row_number() over (partition by user_id, project_id order by event_seq desc) as recency
    from new_actions
),

batch_pairs as (
    select
        user_id,
        project_id,
        count(*) as n_actions,
        min(occurred_at) as first_action_at,
        max(occurred_at) as latest_action_at,
        max(loaded_at) as loaded_at
    from new_actions
    group by user_id, project_id
),

last_actions as (
    select user_id, project_id, action, is_up, occurred_at, event_seq
    from ordered_actions
    where recency = 1
)

select
    last_actions.user_id,
    last_actions.project_id,
    last_actions.is_up,
    last_actions.action as last_action,
    last_actions.occurred_at as last_action_at,
{%- if is_incremental() %}
    batch_pairs.n_actions + coalesce(stored.n_actions, 0) as n_actions,
    least(batch_pairs.first_action_at, stored.first_action_at) as first_action_at,
    greatest(batch_pairs.latest_action_at, stored.latest_action_at) as latest_action_at,
    last_actions.event_seq,
    greatest(batch_pairs.loaded_at, stored.loaded_at) as loaded_at
{%- else %}
    batch_pairs.n_actions,
    batch_pairs.first_action_at,
    batch_pairs.latest_action_at,
    last_actions.event_seq,
    batch_pairs.loaded_at
{%- endif %}
from last_actions
inner join batch_pairs
    on last_actions.user_id = batch_pairs.user_id
    and last_actions.project_id = batch_pairs.project_id
{%- if is_incremental() %}
left join {{ this }} as stored
    on last_actions.user_id = stored.user_id
    and last_actions.project_id = stored.project_id
{%- endif %}
