{#- The contract's on-time rate: (early + on time) / (early + on time + late) x 100.
    Early is optional: when a report merges it into on time it is null and counts as 0. -#}
{% macro on_time_rate(early, on_time, late) -%}
    round(
        100.0 * (coalesce({{ early }}, 0) + {{ on_time }})
        / nullif(coalesce({{ early }}, 0) + {{ on_time }} + {{ late }}, 0),
        4
    )
{%- endmacro %}

{#- The same rate unrounded, in double precision: what a chart plots. Computed in the order
    100 x (early + on time) / resolved, so that it equals the same division done in Python. -#}
{% macro on_time_share(early, on_time, late) -%}
    100.0::double precision * (coalesce({{ early }}, 0) + {{ on_time }})::double precision
    / nullif(coalesce({{ early }}, 0) + {{ on_time }} + {{ late }}, 0)::double precision
{%- endmacro %}
