-- Decision 766/QĐ-TTg service index: five groups with max points, their indicators, and the total.
select
    'SI766'::text as index_code,
    case
        when level = 'total' then 'TOTAL'
        when level = 'group' then {{ component_code('btrim(group_vi)') }}
        else coalesce(nullif(btrim(metric_code), ''), {{ component_code('btrim(indicator_vi)') }})
    end as component_code,
    case
        when level = 'total' then 'Tổng điểm'
        when level = 'group' then btrim(group_vi)
        else btrim(indicator_vi)
    end as component_name,
    level as component_type,
    case
        when level = 'indicator' then {{ component_code('btrim(group_vi)') }}
    end as parent_component_code,
    nullif(btrim(group_no), '') as component_no,
    nullif(btrim(max_points), '')::numeric as max_points
from {{ ref('service_index_766_structure') }}
where level in ('total', 'group', 'indicator')
