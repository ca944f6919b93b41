-- The six GSO socio-economic regions, with how many provincial units each had before the
-- 2025-07-01 merger and has today (a merged unit belongs to the region of the unit whose code it kept).
with provinces_63 as (
    select region_code, region_name, count(*) as provinces_before_merger
    from {{ ref('stg_reference__provinces_63') }}
    group by region_code, region_name
),

current_units as (
    select region_code, count(*) as provinces_current
    from {{ ref('dim_province') }}
    where is_current
    group by region_code
)

select
    p.region_code,
    p.region_name,
    cast(p.provinces_before_merger as integer) as provinces_before_merger,
    cast(coalesce(c.provinces_current, 0) as integer) as provinces_current
from provinces_63 as p
left join current_units as c using (region_code)
