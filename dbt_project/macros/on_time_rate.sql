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

{#- Early and on-time counts added up over rows some of which merge early into on time (early
    null). One such row makes the split of the sum unknown, so early becomes null and on time
    carries early + on time: the contract's reading of a report without the split, which keeps
    on_time_rate right. One macro so that every model adding dossier counts reads them alike.
    Emits two select items, resolved_early and resolved_on_time, for use in a grouped select. -#}
{% macro summed_early_and_on_time() -%}
    case when count(resolved_early) = count(*) then sum(resolved_early) end as resolved_early,
    case
        when count(resolved_early) = count(*) then {{ strict_sum('resolved_on_time') }}
        else {{ strict_sum('coalesce(resolved_early, 0) + resolved_on_time') }}
    end as resolved_on_time
{%- endmacro %}
