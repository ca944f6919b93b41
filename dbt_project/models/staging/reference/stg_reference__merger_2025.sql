select
    lpad(old_code::text, 2, '0') as old_code,
    lpad(new_code::text, 2, '0') as new_code,
    merge_type,
    code_retained = 'yes' as code_retained
from {{ ref('merger_2025') }}
