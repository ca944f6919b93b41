{#- The median of a column's non-null values in double precision: the middle value, or with an
    even count the mean of the two middle values, computed (lower + upper) / 2 as the
    dashboard always did. percentile_cont(0.5) means the same but interpolates as
    lower + 0.5 x (upper - lower), which can land one binary digit away and then print a
    different last decimal (12.34 and 12.35 give 12.345 against 12.344999...). The two
    percentile_disc pick the lower middle value ascending and the upper one descending
    (the same value for an odd count). Null when every value is null. -#}
{% macro median(column) -%}
    (
        (percentile_disc(0.5) within group (order by {{ column }}))::double precision
        + (percentile_disc(0.5) within group (order by {{ column }} desc))::double precision
    ) / 2
{%- endmacro %}
