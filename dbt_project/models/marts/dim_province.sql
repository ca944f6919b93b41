-- One row per province version (SCD type 2) across the 2025-07-01 merger:
-- the 11 units the merger left unchanged run on in one version; the 52 merged old units
-- end on 2025-06-30 with their successor; the 23 merged new units start on 2025-07-01.
with old_units as (
    select
        p.province_code,
        p.province_name,
        p.province_type,
        p.region_code,
        p.region_name,
        date '2008-08-01' as valid_from,
        case when m.merge_type = 'giữ nguyên' then null else date '2025-06-30' end as valid_to,
        case when m.merge_type = 'giữ nguyên' then null else m.new_code end as successor_province_code
    from {{ ref('stg_reference__provinces_63') }} as p
    join {{ ref('stg_reference__merger_2025') }} as m on m.old_code = p.province_code
),

new_units as (
    -- A merged unit keeps the code, and so the region, of the old unit it retained.
    select
        n.province_code,
        n.province_name,
        n.province_type,
        o.region_code,
        o.region_name,
        date '2025-07-01' as valid_from,
        null::date as valid_to,
        null::text as successor_province_code
    from {{ ref('stg_reference__provinces_34') }} as n
    join {{ ref('stg_reference__provinces_63') }} as o on o.province_code = n.province_code
    where n.was_merged
),

versions as (
    select * from old_units
    union all
    select * from new_units
)

select
    cast(row_number() over (order by valid_from, province_code) as integer) as province_key,
    province_code,
    province_name,
    province_type,
    region_code,
    region_name,
    valid_from,
    valid_to,
    valid_to is null as is_current,
    successor_province_code
from versions
