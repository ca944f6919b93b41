-- The PAR INDEX framework per decision: fields (lĩnh vực) with max points, totals, and the
-- scoring blocks, with the years each row applies to parsed from the reference's free text
-- ("2022-2024", "2017 (per decision date; ...)", "2024 (points); 2022-2024 (names)").
with source as (
    select * from {{ ref('par_index_structure') }}
),

parsed as (
    select
        framework_decision,
        applies_to_par_years,
        btrim(field_no) as field_no,
        btrim(field_name_vi) as field_name,
        nullif(btrim(max_points), '')::numeric as max_points,
        coalesce(
            substring(applies_to_par_years from '(\d{4})(?:-\d{4})? \(names\)'),
            substring(applies_to_par_years from '^\s*(\d{4})')
        )::integer as names_from_year,
        coalesce(
            substring(applies_to_par_years from '(?:\d{4}-)?(\d{4}) \(names\)'),
            substring(applies_to_par_years from '^\s*\d{4}-(\d{4})'),
            substring(applies_to_par_years from '^\s*(\d{4})')
        )::integer as names_to_year,
        substring(applies_to_par_years from '(\d{4})(?:-\d{4})? \(points\)')::integer as points_from_year,
        substring(applies_to_par_years from '(?:\d{4}-)?(\d{4}) \(points\)')::integer as points_to_year
    from source
)

select
    'PAR'::text as index_code,
    case
        when field_no = 'TOTAL' then 'TOTAL'
        when field_no ~ '^\d+$' then {{ component_code('field_name') }}
        else 'BLOCK_' || upper(field_no)
    end as component_code,
    case
        when field_no = 'TOTAL' then 'Tổng điểm PAR INDEX'
        else field_name
    end as component_name,
    case
        when field_no = 'TOTAL' then 'total'
        when field_no ~ '^\d+$' then 'field'
        else 'block'
    end as component_type,
    case when field_no = 'TOTAL' then null else field_no end as component_no,
    max_points,
    names_from_year as from_year,
    names_to_year as to_year,
    coalesce(points_from_year, names_from_year) as points_from_year,
    coalesce(points_to_year, names_to_year) as points_to_year,
    framework_decision,
    applies_to_par_years
from parsed
where names_from_year is not null
