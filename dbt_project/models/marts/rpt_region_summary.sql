-- One row per GSO region and year: how many provincial units the scorecard has there, the
-- median unit on each headline figure, and the unit with the best PAR INDEX, so that the
-- dashboard's regional comparison reads figures instead of working them out. Built on
-- rpt_province_scorecard, so a year belongs to the units valid on its 31 December, as there.
-- Medians, not sums: index scores and rates of different units cannot be added up, and the
-- median unit is not pulled by one outlier.
with scorecard as (
    select * from {{ ref('rpt_province_scorecard') }}
),

by_region as (
    select
        region_code,
        year,
        count(*) as provinces,
        {{ median('par_score') }} as median_par_score,
        {{ median('sipas_score') }} as median_sipas_score,
        {{ median('on_time_rate') }} as median_on_time_rate,
        {{ median('online_dossier_rate') }} as median_online_dossier_rate,
        {{ median('coverage_rate') }} as median_coverage_rate
    from scorecard
    group by region_code, year
),

-- Equal best scores go to the lower code, so the choice does not depend on row order.
best_par as (
    select distinct on (region_code, year)
        region_code,
        year,
        province_code
    from scorecard
    where par_score is not null
    order by region_code, year, par_score desc, province_code
)

select
    s.region_code,
    r.region_name,
    s.year,
    cast(s.provinces as integer) as provinces,
    s.median_par_score,
    s.median_sipas_score,
    s.median_on_time_rate,
    s.median_online_dossier_rate,
    s.median_coverage_rate,
    b.province_code as best_par_province_code
from by_region as s
left join {{ ref('dim_region') }} as r on r.region_code = s.region_code
left join best_par as b
    on b.region_code = s.region_code
    and b.year = s.year
