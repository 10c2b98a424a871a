{#- SCD type 2 of each member's name, role, town hall and league. `dbt_valid_from` is the fetch time of
    the snapshot where the captured version first appeared (timestamp strategy on
    `attributes_changed_at`); a version that begins and ends between two builds is not captured — the
    full history, independent of build cadence, is `int_member_attributes_versioned`. A member who
    leaves keeps their last version open: membership is `clan_members`' business. -#}
{% snapshot clan_member_history %}
{{ config(
    unique_key=['clan_tag', 'member_tag'],
    strategy='timestamp',
    updated_at='attributes_changed_at',
) }}
select
    clan_tag,
    member_tag,
    member_name,
    role,
    town_hall_level,
    league_id,
    league_name,
    attributes_changed_at
from {{ ref('int_member_attributes_versioned') }}
where is_latest
{% endsnapshot %}
