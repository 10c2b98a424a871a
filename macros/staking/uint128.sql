{#- Exact unsigned 128-bit amounts (staking.md): the SQL type, the conversion from the three landing
    forms, and an exact sum. DuckDB uses UHUGEINT (0 … 2^128−1 exactly; HUGEINT stops at 2^127−1 and
    DECIMAL(38) at 10^38−1, both too small); PostgreSQL NUMERIC(40,0). A text that is not an amount in
    one of the three forms raises an error naming the value — never 0, never NULL. -#}

{% macro uint128_type() -%}
    {{ return(adapter.dispatch('uint128_type', 'warehouse')()) }}
{%- endmacro %}

{% macro default__uint128_type() -%}numeric(40, 0){%- endmacro %}

{% macro duckdb__uint128_type() -%}uhugeint{%- endmacro %}


{#- `text` is a SQL expression (best a plain column: it is evaluated several times) holding the text of a
    JSON scalar: the digits of a JSON number, or the content of a JSON string — `"1,250,000"` (decimal,
    optional thousands commas) or `"0x1158e460913d00000"` (hex, 1–32 digits). Surrounding whitespace is
    ignored, as the loader ignores it. NULL stays NULL (an absent field). -#}
{% macro uint128_from_text(text) -%}
    {{ return(adapter.dispatch('uint128_from_text', 'warehouse')(text)) }}
{%- endmacro %}

{% macro duckdb__uint128_from_text(text) -%}
    case
        when ({{ text }}) is null then null
        when regexp_full_match({{ text }}, '\s*([0-9]+|[0-9]{1,3}(,[0-9]{3})+)\s*')
            then coalesce(
                try_cast(regexp_replace({{ text }}, '[^0-9]', '', 'g') as uhugeint),
                error('amount above 2^128-1: ' || ({{ text }}))
            )
        when regexp_full_match({{ text }}, '\s*0[xX][0-9a-fA-F]{1,32}\s*')
            then cast(cast('0x' || left(lpad(regexp_extract({{ text }}, '0[xX]([0-9a-fA-F]+)', 1), 32, '0'), 16) as ubigint) as uhugeint)
                 * cast(18446744073709551616 as uhugeint)
                 + cast(cast('0x' || right(lpad(regexp_extract({{ text }}, '0[xX]([0-9a-fA-F]+)', 1), 32, '0'), 16) as ubigint) as uhugeint)
        else error('not an unsigned 128-bit amount in any accepted form: ' || ({{ text }}))
    end
{%- endmacro %}

{#- PostgreSQL has no function that raises, so a failing cast of a descriptive text raises instead
    ("invalid input syntax for type numeric: "not an unsigned 128-bit amount …: 12abc""). Hex is read
    in four 8-digit chunks through bit(32). -#}
{% macro postgres__uint128_from_text(text) -%}
    {%- set hex_digits = "lpad(substring(" ~ text ~ " from '0[xX]([0-9a-fA-F]+)'), 32, '0')" -%}
    cast(case
        when ({{ text }}) is null then null
        when ({{ text }}) ~ '^\s*([0-9]+|[0-9]{1,3}(,[0-9]{3})+)\s*$'
            then case
                when cast(regexp_replace({{ text }}, '[^0-9]', '', 'g') as numeric) <= 340282366920938463463374607431768211455
                    then cast(regexp_replace({{ text }}, '[^0-9]', '', 'g') as numeric)
                else cast('amount above 2^128-1: ' || ({{ text }}) as numeric)
            end
        when ({{ text }}) ~ '^\s*0[xX][0-9a-fA-F]{1,32}\s*$'
            then cast(cast(('x' || substr({{ hex_digits }}, 1, 8)) as bit(32)) as bigint) * 79228162514264337593543950336::numeric
                 + cast(cast(('x' || substr({{ hex_digits }}, 9, 8)) as bit(32)) as bigint) * 18446744073709551616::numeric
                 + cast(cast(('x' || substr({{ hex_digits }}, 17, 8)) as bit(32)) as bigint) * 4294967296::numeric
                 + cast(cast(('x' || substr({{ hex_digits }}, 25, 8)) as bit(32)) as bigint)
        else cast('not an unsigned 128-bit amount in any accepted form: ' || ({{ text }}) as numeric)
    end as numeric(40, 0))
{%- endmacro %}


{#- The exact sum of a uint128 column, as uint128 (a sum above 2^128−1 raises). DuckDB's sum() of a
    UHUGEINT returns a DOUBLE, so the high and low 64-bit halves are summed apart (exact HUGEINTs). -#}
{% macro uint128_sum(expression) -%}
    {{ return(adapter.dispatch('uint128_sum', 'warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__uint128_sum(expression) -%}
    (cast(sum(cast(({{ expression }}) >> 64 as ubigint)) as uhugeint) * cast(18446744073709551616 as uhugeint)
     + cast(sum(cast(({{ expression }}) & cast(18446744073709551615 as uhugeint) as ubigint)) as uhugeint))
{%- endmacro %}

{% macro postgres__uint128_sum(expression) -%}
    cast(case
        when sum({{ expression }}) <= 340282366920938463463374607431768211455 then sum({{ expression }})
        else cast('sum above 2^128-1: ' || sum({{ expression }}) as numeric)
    end as numeric(40, 0))
{%- endmacro %}


{#- The exact decimal text of a uint128 value (for JSON and for clients that cannot hold 128 bits).
    DuckDB 1.5 turns a UHUGEINT into text (or a Python int) slowly, ~40 µs a value, but a HUGEINT fast,
    so values below 2^127 go through HUGEINT. -#}
{% macro uint128_to_text(expression) -%}
    {{ return(adapter.dispatch('uint128_to_text', 'warehouse')(expression)) }}
{%- endmacro %}

{% macro default__uint128_to_text(expression) -%}cast({{ expression }} as {{ dbt.type_string() }}){%- endmacro %}

{% macro duckdb__uint128_to_text(expression) -%}
    case
        when ({{ expression }}) <= cast(170141183460469231731687303715884105727 as uhugeint)
            then cast(cast({{ expression }} as hugeint) as varchar)
        else cast({{ expression }} as varchar)
    end
{%- endmacro %}
