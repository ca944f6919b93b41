{{ config(indexes=[{'columns': ['province_code', 'basis']}]) }}
-- The dossier on-time rate as the scorecard draws it, so the dashboard adds nothing up:
-- per province, source, period and level (record channels added up) and over all levels
-- (level 'all'), on two bases kept apart by `basis`:
--   reported - as the province valid in the period reported it (fct_dossier_processing);
--   restated - onto today's 34 units (rpt_restated_34, dossier figures).
-- Counts are summed and the rate recomputed from the sums, never averaged.
with reported as (
    select
        'reported'::text as basis,
        province_code,
        province_key,
        source,
        period_label,
        period_start,
        level,
        received,
        resolved_early,
        resolved_on_time,
        resolved_late,
        province_code as contributing_codes,
        true as is_complete
    from {{ ref('fct_dossier_processing') }}
),

restated as (
    select
        'restated'::text as basis,
        r.province_code,
        p.province_key,
        r.source,
        r.period_label,
        r.period_start,
        r.level,
        r.received,
        r.resolved_early,
        r.resolved_on_time,
        r.resolved_late,
        r.contributing_codes,
        r.is_complete
    from {{ ref('rpt_restated_34') }} as r
    left join {{ ref('dim_province') }} as p
        on p.province_code = r.province_code
        and p.is_current
    where r.figure = 'dossier_processing'
),

fact_rows as (
    select * from reported
    union all
    select * from restated
),

-- One row per level, and one over every level of the period.
levelled as (
    select *, level as shown_level from fact_rows where level is not null
    union all
    select *, 'all'::text as shown_level from fact_rows
),

summed as (
    select
        basis,
        province_code,
        province_key,
        source,
        period_label,
        shown_level as level,
        min(period_start) as period_start,
        count(*) as rows_summed,
        {{ strict_sum('received') }} as received,
        {{ summed_early_and_on_time() }},
        {{ strict_sum('resolved_late') }} as resolved_late,
        bool_and(coalesce(is_complete, true)) as is_complete
    from levelled
    group by basis, province_code, province_key, source, period_label, shown_level
),

-- Every unit that contributed to any of the rows summed, once, in code order.
codes as (
    select
        l.basis,
        l.province_code,
        l.province_key,
        l.source,
        l.period_label,
        l.shown_level as level,
        string_agg(distinct c.code, ',' order by c.code) as contributing_codes
    from levelled as l
    cross join lateral unnest(string_to_array(l.contributing_codes, ',')) as c (code)
    where c.code <> ''
    group by l.basis, l.province_code, l.province_key, l.source, l.period_label, l.shown_level
)

select
    s.basis,
    s.province_code,
    s.province_key,
    s.source,
    s.period_label,
    s.period_start,
    s.level,
    cast(s.rows_summed as integer) as rows_summed,
    cast(s.received as bigint) as received,
    cast(s.resolved_early as bigint) as resolved_early,
    cast(s.resolved_on_time as bigint) as resolved_on_time,
    cast(s.resolved_late as bigint) as resolved_late,
    {{ on_time_rate('s.resolved_early', 's.resolved_on_time', 's.resolved_late') }} as on_time_rate,
    {{ on_time_share('s.resolved_early', 's.resolved_on_time', 's.resolved_late') }} as on_time_share,
    c.contributing_codes,
    s.is_complete
from summed as s
left join codes as c
    on c.basis = s.basis
    and c.province_code = s.province_code
    and c.province_key is not distinct from s.province_key
    and c.source is not distinct from s.source
    and c.period_label = s.period_label
    and c.level = s.level
