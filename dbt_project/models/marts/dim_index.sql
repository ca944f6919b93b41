-- Indexes and their components with max points by year (reference structures).
select
    cast(row_number() over (
        order by c.index_code, c.year, c.type_order, c.parent_component_code nulls first,
            lpad(coalesce(c.component_no, ''), 4, '0'), c.component_code
    ) as integer) as index_component_key,
    c.index_code,
    c.index_name,
    c.year,
    c.component_code,
    c.component_name,
    c.component_type,
    c.component_no,
    c.parent_component_code,
    c.max_score,
    c.scale_max,
    c.framework,
    c.is_carried_forward
from {{ ref('int_index_components') }} as c
