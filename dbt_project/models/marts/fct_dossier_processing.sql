{{ config(indexes=[{'columns': ['province_code', 'period_start']}]) }}
-- Dossier processing per province, period and level, from two sources kept apart by `source`:
--   summary - the province's periodic report, one row per level for the report's own period;
--   records - the one-stop-shop logs, one row per month of receipt, level and channel
--             (from the incremental int_dossier_records__monthly).
-- Rates are recomputed from the counts, never copied from what the province printed.
with summary as (
    select
        province_code,
        period_label,
        period_start,
        period_end,
        level,
        'all'::text as channel,
        received,
        received_online,
        resolved_early,
        resolved_on_time,
        resolved_late,
        pending_within_deadline,
        pending_overdue,
        null::numeric as median_processing_days,
        'summary'::text as source,
        file_id
    from {{ ref('int_dossier_summary__current') }}
),

records as (
    select
        province_code,
        period_label,
        period_start,
        period_end,
        level,
        channel,
        received,
        received_online,
        resolved_early,
        resolved_on_time,
        resolved_late,
        pending_within_deadline,
        pending_overdue,
        median_processing_days,
        'records'::text as source,
        file_id
    from {{ ref('int_dossier_records__monthly') }}
),

unioned as (
    select * from summary
    union all
    select * from records
)

select
    u.province_code,
    p.province_key,
    u.period_label,
    u.period_start,
    u.period_end,
    u.level,
    u.channel,
    u.received,
    u.received_online,
    u.resolved_early,
    u.resolved_on_time,
    u.resolved_late,
    u.pending_within_deadline,
    u.pending_overdue,
    {{ on_time_rate('u.resolved_early', 'u.resolved_on_time', 'u.resolved_late') }} as on_time_rate,
    {{ pct('u.received_online', 'u.received') }} as online_share,
    u.median_processing_days,
    u.source,
    u.file_id
from unioned as u
left join {{ ref('dim_province') }} as p
    on p.province_code = u.province_code
    and u.period_start between p.valid_from and coalesce(p.valid_to, date 'infinity')
