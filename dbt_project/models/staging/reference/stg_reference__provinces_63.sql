select
    lpad(code::text, 2, '0') as province_code,
    name as province_name,
    type as province_type,
    region_code,
    region as region_name
from {{ ref('provinces_63') }}
