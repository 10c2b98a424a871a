{#- One row per (investor, focus chain): the `;`-separated `focus_chain_ids` of the investor's newest
    profile version, in listed order (position 1, 2, ...), blanks around the ids trimmed. -#}
select
    investors.investor_id,
    cast(focus.position as integer) as position,
    trim(focus.item) as chain_id
from {{ ref('stg_discovery__investors') }} as investors
cross join {{ discovery_list_items('investors.focus_chain_ids', ';', 'focus') }}
