select
    target_code,
    target_name,
    metric,
    nullif(btrim(province_code), '') as province_code,
    case when nullif(btrim(province_code), '') is null then 'national' else 'provincial' end as target_scope,
    from_year,
    milestone_year,
    target_value,
    source
from {{ ref('programme_targets') }}
