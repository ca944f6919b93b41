-- Pre-merger figures restated onto the 34 provincial units valid from 2025-07-01, so a trend
-- line crosses 2025 without a break. Each row of a fact is assigned to the unit its province
-- became (itself when unchanged); counts of the predecessors are summed and every rate is
-- recomputed from the summed counts - never averaged. A count is null when one contributing
-- unit lacks it, and is_complete says whether every predecessor reported.
with provinces as (
    select * from {{ ref('dim_province') }}
),

current_units as (
    select province_code, province_name, region_code
    from provinces
    where is_current
),

-- Version of each province valid on a day, and the current unit it belongs to.
unit_of as (
    select
        province_code,
        valid_from,
        valid_to,
        coalesce(successor_province_code, province_code) as unit_code,
        valid_to is not null as is_former
    from provinces
),

dossier_rows as (
    select
        u.unit_code,
        f.province_code,
        u.is_former,
        'dossier_processing'::text as figure,
        f.period_label,
        f.period_start,
        f.period_end,
        f.level,
        f.source,
        f.received,
        f.received_online,
        f.resolved_early,
        f.resolved_on_time,
        f.resolved_late,
        f.pending_within_deadline,
        f.pending_overdue
    from {{ ref('fct_dossier_processing') }} as f
    inner join unit_of as u
        on u.province_code = f.province_code
        and f.period_start between u.valid_from and coalesce(u.valid_to, date 'infinity')
),

-- Records are per channel; collapse them to the level, as the summaries are.
dossier_by_unit_level as (
    select
        unit_code,
        province_code,
        bool_or(is_former) as is_former,
        figure,
        period_label,
        period_start,
        period_end,
        level,
        source,
        {{ strict_sum('received') }} as received,
        {{ strict_sum('received_online') }} as received_online,
        {{ strict_sum('resolved_early') }} as resolved_early,
        {{ strict_sum('resolved_on_time') }} as resolved_on_time,
        {{ strict_sum('resolved_late') }} as resolved_late,
        {{ strict_sum('pending_within_deadline') }} as pending_within_deadline,
        {{ strict_sum('pending_overdue') }} as pending_overdue
    from dossier_rows
    group by unit_code, province_code, figure, period_label, period_start, period_end, level, source
),

dossier_restated as (
    select
        unit_code,
        figure,
        period_label,
        min(period_start) as period_start,
        max(period_end) as period_end,
        level,
        source,
        string_agg(distinct province_code, ',' order by province_code) as contributing_codes,
        count(distinct province_code) as units_reporting,
        bool_or(is_former) as is_restated,
        {{ strict_sum('received') }} as received,
        {{ strict_sum('received_online') }} as received_online,
        {{ summed_early_and_on_time() }},
        {{ strict_sum('resolved_late') }} as resolved_late,
        {{ strict_sum('pending_within_deadline') }} as pending_within_deadline,
        {{ strict_sum('pending_overdue') }} as pending_overdue,
        null::bigint as procedures_total,
        null::bigint as procedures_online,
        null::bigint as procedures_full_online,
        null::bigint as procedures_partial_online,
        null::bigint as procedures_on_national_portal,
        null::bigint as dossiers_total,
        null::bigint as dossiers_online
    from dossier_by_unit_level
    group by unit_code, figure, period_label, level, source
),

coverage_restated as (
    select
        u.unit_code,
        'online_service_coverage'::text as figure,
        c.period_label,
        min(c.period_start) as period_start,
        max(c.period_end) as period_end,
        'all'::text as level,
        c.source,
        string_agg(distinct c.province_code, ',' order by c.province_code) as contributing_codes,
        count(distinct c.province_code) as units_reporting,
        bool_or(u.is_former) as is_restated,
        null::bigint as received,
        null::bigint as received_online,
        null::bigint as resolved_early,
        null::bigint as resolved_on_time,
        null::bigint as resolved_late,
        null::bigint as pending_within_deadline,
        null::bigint as pending_overdue,
        {{ strict_sum('c.procedures_total') }} as procedures_total,
        {{ strict_sum('c.procedures_online') }} as procedures_online,
        {{ strict_sum('c.procedures_full_online') }} as procedures_full_online,
        {{ strict_sum('c.procedures_partial_online') }} as procedures_partial_online,
        {{ strict_sum('c.procedures_on_national_portal') }} as procedures_on_national_portal,
        {{ strict_sum('c.dossiers_total') }} as dossiers_total,
        {{ strict_sum('c.dossiers_online') }} as dossiers_online
    from {{ ref('fct_online_service_coverage') }} as c
    inner join unit_of as u
        on u.province_code = c.province_code
        and c.period_start between u.valid_from and coalesce(u.valid_to, date 'infinity')
    group by u.unit_code, c.period_label, c.source
),

restated as (
    select * from dossier_restated
    union all
    select * from coverage_restated
),

-- How many provincial units made up each current unit at the start of the period.
expected_units as (
    select
        r.unit_code,
        r.figure,
        r.period_label,
        r.level,
        r.source,
        count(distinct u.province_code) as units_expected
    from restated as r
    inner join unit_of as u
        on u.unit_code = r.unit_code
        and r.period_start between u.valid_from and coalesce(u.valid_to, date 'infinity')
    group by r.unit_code, r.figure, r.period_label, r.level, r.source
)

select
    r.unit_code as province_code,
    c.province_name,
    c.region_code,
    r.figure,
    r.period_label,
    r.period_start,
    r.period_end,
    cast(extract(year from r.period_start) as integer) as year,
    r.level,
    r.source,
    r.is_restated,
    r.contributing_codes,
    cast(r.units_reporting as integer) as units_reporting,
    cast(e.units_expected as integer) as units_expected,
    r.units_reporting = e.units_expected as is_complete,
    cast(r.received as bigint) as received,
    cast(r.received_online as bigint) as received_online,
    cast(r.resolved_early as bigint) as resolved_early,
    cast(r.resolved_on_time as bigint) as resolved_on_time,
    cast(r.resolved_late as bigint) as resolved_late,
    cast(r.pending_within_deadline as bigint) as pending_within_deadline,
    cast(r.pending_overdue as bigint) as pending_overdue,
    {{ on_time_rate('r.resolved_early', 'r.resolved_on_time', 'r.resolved_late') }} as on_time_rate,
    {{ pct('r.received_online', 'r.received') }} as online_share,
    cast(r.procedures_total as bigint) as procedures_total,
    cast(r.procedures_online as bigint) as procedures_online,
    cast(r.procedures_full_online as bigint) as procedures_full_online,
    cast(r.procedures_partial_online as bigint) as procedures_partial_online,
    cast(r.procedures_on_national_portal as bigint) as procedures_on_national_portal,
    {{ pct('r.procedures_online', 'r.procedures_total') }} as coverage_rate,
    {{ pct('r.procedures_full_online', 'r.procedures_total') }} as full_online_rate,
    {{ pct('r.procedures_on_national_portal', 'r.procedures_total') }} as portal_integration_rate,
    cast(r.dossiers_total as bigint) as dossiers_total,
    cast(r.dossiers_online as bigint) as dossiers_online,
    {{ pct('r.dossiers_online', 'r.dossiers_total') }} as online_dossier_rate
from restated as r
inner join current_units as c on c.province_code = r.unit_code
left join expected_units as e
    on e.unit_code = r.unit_code
    and e.figure = r.figure
    and e.period_label = r.period_label
    and e.level = r.level
    and e.source = r.source
