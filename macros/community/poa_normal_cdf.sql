{#- Φ(x), the standard normal CDF, as a SQL expression. Neither DuckDB nor PostgreSQL 15 has it built in,
    so the default is Zelen & Severo's polynomial (Abramowitz & Stegun 26.2.17), absolute error < 7.5e-8,
    from exp, sqrt and abs only. An engine with a native Φ gets its own `<adapter>__poa_normal_cdf`.
    `x` is repeated in the expression: pass a column or a simple expression. -#}
{% macro poa_normal_cdf(x) -%}
    {{ return(adapter.dispatch('poa_normal_cdf', 'warehouse')(x)) }}
{%- endmacro %}

{% macro default__poa_normal_cdf(x) -%}
    (case
        when ({{ x }}) is null then null
        else (
            case when ({{ x }}) >= 0 then 1.0 else 0.0 end
            + (case when ({{ x }}) >= 0 then -1.0 else 1.0 end)
            * exp(-0.5 * ({{ x }}) * ({{ x }})) / sqrt(2.0 * pi())
            * (
                (1.0 / (1.0 + 0.2316419 * abs({{ x }}))) * (0.319381530
                + (1.0 / (1.0 + 0.2316419 * abs({{ x }}))) * (-0.356563782
                + (1.0 / (1.0 + 0.2316419 * abs({{ x }}))) * (1.781477937
                + (1.0 / (1.0 + 0.2316419 * abs({{ x }}))) * (-1.821255978
                + (1.0 / (1.0 + 0.2316419 * abs({{ x }}))) * 1.330274429))))
            )
        )
    end)
{%- endmacro %}
