{#- The time the ops queue measures publication age against, as a naive UTC timestamp: `as_of` (ISO text,
    from var poa_as_of, which a model must read itself so that unit tests can override it) when given,
    otherwise the engine's current time in UTC (`utc_now`). -#}
{% macro poa_as_of(as_of=none) -%}
    {%- if as_of -%}
        {{ return("cast('" ~ as_of ~ "' as timestamp)") }}
    {%- else -%}
        {{ return(utc_now()) }}
    {%- endif -%}
{%- endmacro %}
