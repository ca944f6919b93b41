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

{#- The file_id of a group's latest row in delivery order: the highest delivery_key, then the
    later source row, then the higher file_id. One max over a text array, zero-padded so that
    text order is number order: a comparison per row, where an ordered array_agg sorted an
    array per group (about 50 s of 70 s for the monthly dossier model on ten million rows). -#}
{% macro latest_file_id() -%}
    (max(array[
        delivery_key collate "C", lpad(source_row::text, 20, '0'), lpad(file_id::text, 20, '0')
    ]))[3]::bigint
{%- endmacro %}
