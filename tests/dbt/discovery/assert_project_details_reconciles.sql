{#- Reconciliation: project_details recomputed from the raw tables: the project's newest version, its
    owner's handle, its chain's name, its current net upvotes and the intro requests about it. -#}
with projects as (
    select project_id, owner_user_id, chain_id, name, created_at
    from {{ discovery_raw_newest_dimension('projects', 'project_id') }} as projects
),

users as (
    select user_id, handle
    from {{ discovery_raw_newest_dimension('users', 'user_id') }} as users
),

chains as (
    select chain_id, name
    from {{ discovery_raw_newest_dimension('chains', 'chain_id') }} as chains
),

last_actions as (
    select project_id, action
    from {{ discovery_raw_newest_event('upvotes', 'user_id, project_id') }} as upvotes
),

requests as (
    select project_id
    from {{ discovery_raw_newest_event('intro_requests', 'request_id') }} as requests
),

project_upvotes as (
    select project_id, count(*) as net_upvotes
    from last_actions
    where action = 'up'
    group by project_id
),

project_requests as (
    select project_id, count(*) as intro_requests_count
    from requests
    group by project_id
),

expected as (
    select
        projects.project_id,
        projects.name as project_name,
        users.handle as owner_handle,
        chains.name as chain_name,
        coalesce(project_upvotes.net_upvotes, 0) as net_upvotes,
        coalesce(project_requests.intro_requests_count, 0) as intro_requests_count
    from projects
    left join users on projects.owner_user_id = users.user_id
    left join chains on projects.chain_id = chains.chain_id
    left join project_upvotes on projects.project_id = project_upvotes.project_id
    left join project_requests on projects.project_id = project_requests.project_id
),

actual as (
    select project_id, project_name, owner_handle, chain_name, net_upvotes, intro_requests_count
    from {{ ref('project_details') }}
)

select coalesce(expected.project_id, actual.project_id) as project_id
from expected
full outer join actual on expected.project_id = actual.project_id
where expected.project_id is null
    or actual.project_id is null
    or expected.project_name is distinct from actual.project_name
    or expected.owner_handle is distinct from actual.owner_handle
    or expected.chain_name is distinct from actual.chain_name
    or expected.net_upvotes <> actual.net_upvotes
    or expected.intro_requests_count <> actual.intro_requests_count
