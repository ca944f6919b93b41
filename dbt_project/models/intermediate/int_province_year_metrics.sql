-- One row per provincial unit and year with the measures the scorecard and the target report
-- compare. A year belongs to the unit valid on its 31 December: in 2025 the 34 units, with
-- the first-half figures of merged predecessors added to their successor (counts summed,
-- rates recomputed).
--
-- Dossier processing: summaries and record logs describe the same dossiers, and a summary may
-- come per year, half, quarter or month; to count each dossier once, a unit-year uses one
-- source and one period kind - the one covering the most months (summary before records,
-- coarser periods first on a tie).
-- Online services: a catalogue is a stock, so the latest period of the year is used
-- (catalogue before summary).
with provinces as (
    select * from {{ ref('dim_province') }}
),

dossier_rows as (
    select
        case
            when p.valid_to is null or p.valid_to >= make_date(extract(year from f.period_start)::integer, 12, 31)
                then f.province_code
            else p.successor_province_code
        end as unit_code,
        cast(extract(year from f.period_start) as integer) as year,
        f.source,
        {{ period_kind('f.period_label') }} as period_kind,
        f.period_label,
        (extract(year from f.period_end) * 12 + extract(month from f.period_end))
            - (extract(year from f.period_start) * 12 + extract(month from f.period_start)) + 1 as months,
        f.received,
        f.received_online,
        f.resolved_early,
        f.resolved_on_time,
        f.resolved_late
    from {{ ref('fct_dossier_processing') }} as f
    inner join provinces as p on p.province_key = f.province_key
),

dossier_choices as (
    select
        unit_code,
        year,
        source,
        period_kind,
        sum(months) as months_covered
    from (
        select distinct unit_code, year, source, period_kind, period_label, months
        from dossier_rows
    ) as periods
    group by unit_code, year, source, period_kind
),

dossier_choice as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by unit_code, year
                order by
                    months_covered desc,
                    case source when 'summary' then 0 else 1 end,
                    case period_kind when 'year' then 0 when 'half' then 1 when 'quarter' then 2 when 'month' then 3 else 4 end
            ) as choice_rank
        from dossier_choices
    ) as ranked
    where choice_rank = 1
),

dossier_year as (
    select
        d.unit_code,
        d.year,
        c.source as dossier_source,
        cast(c.months_covered as integer) as dossier_months_covered,
        sum(d.received) as received,
        sum(d.received_online) as received_online,
        sum(d.received) filter (where d.received_online is not null) as received_with_channel,
        sum(coalesce(d.resolved_early, 0) + d.resolved_on_time) as resolved_in_time,
        sum(d.resolved_late) as resolved_late
    from dossier_rows as d
    inner join dossier_choice as c
        on c.unit_code = d.unit_code
        and c.year = d.year
        and c.source = d.source
        and c.period_kind = d.period_kind
    group by d.unit_code, d.year, c.source, c.months_covered
),

coverage_rows as (
    select
        case
            when p.valid_to is null or p.valid_to >= make_date(extract(year from c.period_start)::integer, 12, 31)
                then c.province_code
            else p.successor_province_code
        end as unit_code,
        cast(extract(year from c.period_start) as integer) as year,
        c.*
    from {{ ref('fct_online_service_coverage') }} as c
    inner join provinces as p on p.province_key = c.province_key
),

coverage_latest as (
    select
        *,
        rank() over (
            partition by unit_code, year
            order by period_end desc, case source when 'catalogue' then 0 else 1 end
        ) as pick
    from coverage_rows
),

coverage_year as (
    select
        unit_code,
        year,
        min(source) as coverage_source,
        min(period_label) as coverage_period_label,
        {{ strict_sum('procedures_total') }} as procedures_total,
        {{ strict_sum('procedures_online') }} as procedures_online,
        {{ strict_sum('dossiers_total') }} as dossiers_total,
        {{ strict_sum('dossiers_online') }} as dossiers_online
    from coverage_latest
    where pick = 1
    group by unit_code, year
),

index_year as (
    select
        province_code as unit_code,
        year,
        max(score) filter (where index_code = 'PAR') as par_score,
        max(rank) filter (where index_code = 'PAR') as par_rank,
        max(provinces_ranked) filter (where index_code = 'PAR') as par_provinces_ranked,
        max(score) filter (where index_code = 'SIPAS') as sipas_score,
        max(rank) filter (where index_code = 'SIPAS') as sipas_rank,
        max(provinces_ranked) filter (where index_code = 'SIPAS') as sipas_provinces_ranked
    from {{ ref('fct_province_rankings') }}
    where index_code in ('PAR', 'SIPAS')
    group by province_code, year
),

unit_years as (
    select unit_code, year from dossier_year
    union
    select unit_code, year from coverage_year
    union
    select unit_code, year from index_year
)

select
    k.unit_code as province_code,
    k.year,
    i.par_score,
    i.par_rank,
    i.par_provinces_ranked,
    i.sipas_score,
    i.sipas_rank,
    i.sipas_provinces_ranked,
    d.dossier_source,
    d.dossier_months_covered,
    d.received as dossiers_received,
    {{ pct('d.resolved_in_time', 'd.resolved_in_time + d.resolved_late') }} as on_time_rate,
    c.coverage_source,
    c.coverage_period_label,
    c.procedures_total,
    c.procedures_online,
    {{ pct('c.procedures_online', 'c.procedures_total') }} as coverage_rate,
    coalesce(
        {{ pct('d.received_online', 'd.received_with_channel') }},
        {{ pct('c.dossiers_online', 'c.dossiers_total') }}
    ) as online_dossier_rate,
    case
        when {{ pct('d.received_online', 'd.received_with_channel') }} is not null then 'dossier_processing'
        when {{ pct('c.dossiers_online', 'c.dossiers_total') }} is not null then 'online_service_coverage'
    end as online_dossier_rate_basis
from unit_years as k
left join dossier_year as d on d.unit_code = k.unit_code and d.year = k.year
left join coverage_year as c on c.unit_code = k.unit_code and c.year = k.year
left join index_year as i on i.unit_code = k.unit_code and i.year = k.year
