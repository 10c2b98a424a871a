{#- Reconciliation: investors_directory recomputed from the raw tables: one row per investor profile
    (newest version) with its user's handle, its check sizes and as many focus chains as its
    `;`-separated list names. -#}
with investors as (
    select investor_id, user_id, firm, focus_chain_ids, check_size_min, check_size_max
    from {{ discovery_raw_newest_dimension('investors', 'investor_id') }} as investors
),

users as (
    select user_id, handle
    from {{ discovery_raw_newest_dimension('users', 'user_id') }} as users
),

expected as (
    select
        investors.investor_id,
        users.handle,
        investors.firm,
        investors.check_size_min,
        investors.check_size_max,
        case
            when investors.focus_chain_ids is null then 0
            else length(investors.focus_chain_ids) - length(replace(investors.focus_chain_ids, ';', '')) + 1
        end as focus_chains_count
    from investors
    left join users on investors.user_id = users.user_id
),

actual as (
    select investor_id, handle, firm, check_size_min, check_size_max, focus_chains_count
    from {{ ref('investors_directory') }}
)

select coalesce(expected.investor_id, actual.investor_id) as investor_id
from expected
full outer join actual on expected.investor_id = actual.investor_id
where expected.investor_id is null
    or actual.investor_id is null
    or expected.handle is distinct from actual.handle
    or expected.firm is distinct from actual.firm
    or expected.check_size_min is distinct from actual.check_size_min
    or expected.check_size_max is distinct from actual.check_size_max
    or expected.focus_chains_count <> actual.focus_chains_count
