-- SIPAS measures satisfaction with five service elements (Decision 2640/QĐ-BNV); the other
-- rows of the reference describe what is measured for each element, not components.
select
    'SIPAS'::text as index_code,
    {{ component_code('btrim(name_vi)') }} as component_code,
    btrim(name_vi) as component_name,
    'element'::text as component_type,
    nullif(btrim("no"), '') as component_no,
    component_type like 'yếu tố%' as is_component,
    note
from {{ ref('sipas_structure') }}
