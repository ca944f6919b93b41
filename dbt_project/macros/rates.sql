{#- A percentage (0-100) from two counts; null when there is nothing to divide by.
    Kept at 4 decimals: rates are rounded only for display. -#}
{% macro pct(numerator, denominator) -%}
    round(100.0 * ({{ numerator }}) / nullif({{ denominator }}, 0), 4)
{%- endmacro %}
