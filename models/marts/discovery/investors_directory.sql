{#- The investor directory: each profile (newest version) with the user's handle, the focus chains by
    name (in the listed order) and the check size range in USD. -#}
with investors as (
    select investor_id, user_id, firm, focus_chain_ids, check_size_min, check_size_max, created_at, loaded_at
    from {{ ref('stg_discovery__investors') }}
),

users as (
    select user_id, handle, loaded_at
    from {{ ref('stg_community__users') }}
    where not is_inferred  -- an inferred user (named by facts, not landed) has no handle and no row of its own
),

chains as (
    select chain_id, chain_name, loaded_at
    from {{ ref('stg_discovery__chains') }}
),

focus as (
    select
        investor_chains.investor_id,
        count(*) as focus_chains_count,
        {{ dbt.listagg('chains.chain_name', "', '", 'order by investor_chains.position') }} as focus_chain_names
    from {{ ref('int_investor_chains_split') }} as investor_chains
    inner join chains on investor_chains.chain_id = chains.chain_id
    group by investor_chains.investor_id
)

select
    investors.investor_id,
    investors.user_id,
    users.handle,
    investors.firm,
    investors.focus_chain_ids,
    focus.focus_chain_names,
    coalesce(focus.focus_chains_count, 0) as focus_chains_count,
    investors.check_size_min,
    investors.check_size_max,
    investors.created_at,
    {{ build_time() }} as as_of,
    greatest(
        (select max(loaded_at) from investors),
        (select max(loaded_at) from users),
        (select max(loaded_at) from chains)
    ) as newest_loaded_at
from investors
left join users on investors.user_id = users.user_id
left join focus on investors.investor_id = focus.investor_id
