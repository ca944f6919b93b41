-- One row per provincial unit and year: index results, dossier processing, online services,
-- and the distance to each national target of the 2021-2030 programme that applies that year.
with metrics as (
    select * from {{ ref('int_province_year_metrics') }}
),

national_targets as (
    select
        y.year,
        max(t.target_value) filter (where t.target_code = 'online_procedures') as target_online_procedures,
        max(t.target_value) filter (where t.target_code = 'online_dossiers') as target_online_dossiers,
        max(t.target_value) filter (where t.target_code = 'satisfaction') as target_satisfaction
    from (select distinct year from metrics) as y
    inner join {{ ref('stg_reference__programme_targets') }} as t
        on y.year between t.from_year and t.milestone_year
    where t.target_scope = 'national'
    group by y.year
),

-- PAR fields the province assessed itself and the ministry appraised: the survey-based part of
-- the index is never self-assessed, so the gap compares like with like, field by field.
par_self_assessment as (
    select
        province_code,
        year,
        sum(self_score) as par_self_score,
        sum(score) as par_appraised_self_assessed_fields,
        count(*) as par_self_assessed_fields
    from {{ ref('fct_index_scores') }}
    where index_code = 'PAR'
        and not is_total
        and self_score is not null
        and score is not null
    group by province_code, year
)

select
    m.province_code,
    p.province_key,
    p.province_name,
    p.region_code,
    m.year,
    m.par_score,
    cast(m.par_rank as integer) as par_rank,
    cast(m.par_provinces_ranked as integer) as par_provinces_ranked,
    sa.par_self_score,
    sa.par_appraised_self_assessed_fields,
    sa.par_self_score - sa.par_appraised_self_assessed_fields as par_self_score_gap,
    cast(sa.par_self_assessed_fields as integer) as par_self_assessed_fields,
    m.sipas_score,
    cast(m.sipas_rank as integer) as sipas_rank,
    cast(m.sipas_provinces_ranked as integer) as sipas_provinces_ranked,
    m.on_time_rate,
    m.dossiers_received,
    m.dossier_source,
    cast(m.dossier_months_covered as integer) as dossier_months_covered,
    m.online_dossier_rate,
    m.online_dossier_rate_basis,
    m.coverage_rate,
    m.coverage_source,
    t.target_online_procedures,
    m.coverage_rate - t.target_online_procedures as gap_online_procedures,
    t.target_online_dossiers,
    m.online_dossier_rate - t.target_online_dossiers as gap_online_dossiers,
    t.target_satisfaction,
    m.sipas_score - t.target_satisfaction as gap_satisfaction
from metrics as m
left join {{ ref('dim_province') }} as p
    on p.province_code = m.province_code
    and make_date(m.year, 12, 31) between p.valid_from and coalesce(p.valid_to, date 'infinity')
left join national_targets as t on t.year = m.year
left join par_self_assessment as sa
    on sa.province_code = m.province_code
    and sa.year = m.year
