{#- The merger date as a SQL date literal (var merger_date). -#}
{% macro merger_date() -%}
    date '{{ var("merger_date") }}'
{%- endmacro %}

{#- Period kind from its label: year (2024), half (2024-H1), quarter (2024-Q3), month (2024-07). -#}
{% macro period_kind(label) -%}
    case
        when {{ label }} ~ '^\d{4}$' then 'year'
        when {{ label }} ~ '^\d{4}-H[12]$' then 'half'
        when {{ label }} ~ '^\d{4}-Q[1-4]$' then 'quarter'
        when {{ label }} ~ '^\d{4}-\d{2}$' then 'month'
        else 'other'
    end
{%- endmacro %}
