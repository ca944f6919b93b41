{#- The current row per natural key: among the rows of deliveries that loaded (status loaded or
    superseded), the one from the latest delivery wins (export contract §1): the highest
    delivery_key, i.e. delivered last, ties broken by path; within a file the later row.
    Adds delivery_key and delivery_rank (always 1 in the result) to the relation's columns. -#}
{% macro current_rows(relation, key) -%}
    select ranked.*
    from (
        select
            r.*,
            f.delivery_key,
            row_number() over (
                partition by {% for column in key %}r.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
                order by f.delivery_key desc, r.source_row desc
            ) as delivery_rank
        from {{ relation }} as r
        inner join {{ ref('stg_audit__file_ingestions') }} as f
            on f.file_id = r.file_id
            and f.has_rows
    ) as ranked
    where ranked.delivery_rank = 1
{%- endmacro %}

{#- A sum over contributing rows that is null as soon as one of them lacks the figure, so a
    restated total never silently leaves out a unit. -#}
{% macro strict_sum(expr) -%}
    case when count({{ expr }}) = count(*) then sum({{ expr }}) end
{%- endmacro %}

{#- Each delivery that has rows, with its place in the delivery order (delivery_key, then
    file_id; 1 for the earliest). A group's latest delivery is the one at its highest place:
    a model joins this on file_id, takes max(delivery_place) and joins back. An integer max is
    one comparison per row; a max over (delivery_key, source row, file_id) as a text array
    cost about 3 µs a row and carried the long delivery_key through the sort before the
    aggregate. Two deliveries of one path within the same microsecond share a delivery_key
    and are told apart by file_id. -#}
{% macro delivery_places() -%}
    select
        file_id,
        row_number() over (order by delivery_key, file_id) as delivery_place
    from {{ ref('stg_audit__file_ingestions') }}
    where has_rows
{%- endmacro %}
