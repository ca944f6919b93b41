select
    lpad(new_code::text, 2, '0') as province_code,
    new_name as province_name,
    type as province_type,
    merged = 'yes' as was_merged
from {{ ref('provinces_34') }}
