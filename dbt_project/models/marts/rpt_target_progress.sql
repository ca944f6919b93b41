-- Progress of each province towards each target as a trajectory: every milestone of the
-- 2021-2030 programme (the 2025 and the 2030 targets alike) for every year with data from the
-- programme's first year on, so the distance to 2030 shows from the start and the 2025
-- milestone stays visible after it.
-- National targets apply to every province; a province's own targets (rows of
-- seeds/programme_targets.csv with its code) to that province.
with metrics as (
    select * from {{ ref('int_province_year_metrics') }}
),

actuals as (
    select
        m.province_code,
        m.year,
        a.metric,
        a.actual
    from metrics as m
    cross join lateral (
        values
            ('coverage_rate', m.coverage_rate),
            ('online_dossier_rate', m.online_dossier_rate),
            ('sipas_score', m.sipas_score),
            ('on_time_rate', m.on_time_rate),
            ('par_score', m.par_score)
    ) as a (metric, actual)
),

targets as (
    select
        *,
        -- The programme's first year: every milestone of a target applies from then on.
        min(from_year) over (partition by target_code, province_code) as programme_from_year
    from {{ ref('stg_reference__programme_targets') }}
)

select
    a.province_code,
    p.province_key,
    p.province_name,
    a.year,
    t.target_code,
    t.target_name,
    t.target_scope,
    t.metric,
    t.milestone_year,
    t.milestone_year - a.year as years_to_milestone,
    -- The milestone the year is measured against in the scorecard: the first one not yet past.
    a.year between t.from_year and t.milestone_year as is_current_milestone,
    t.target_value,
    a.actual,
    a.actual - t.target_value as gap,
    a.actual >= t.target_value as met
from actuals as a
inner join targets as t
    on t.metric = a.metric
    and a.year >= t.programme_from_year
    and (t.province_code is null or t.province_code = a.province_code)
left join {{ ref('dim_province') }} as p
    on p.province_code = a.province_code
    and make_date(a.year, 12, 31) between p.valid_from and coalesce(p.valid_to, date 'infinity')
