{#- The contract's on-time rate: (early + on time) / (early + on time + late) x 100.
    Early is optional: when a report merges it into on time it is null and counts as 0. -#}
{% macro on_time_rate(early, on_time, late) -%}
    round(
        100.0 * (coalesce({{ early }}, 0) + {{ on_time }})
        / nullif(coalesce({{ early }}, 0) + {{ on_time }} + {{ late }}, 0),
        4
    )
{%- endmacro %}
