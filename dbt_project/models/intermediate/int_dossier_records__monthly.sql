{{
    config(
        materialized='incremental',
        unique_key=['province_code', 'period_label'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        indexes=[{'columns': ['province_code', 'period_start']}],
    )
}}
-- Record-level dossiers aggregated per province, month of receipt, level and channel.
--
-- Incremental: a run only recomputes the (province, month) pairs touched by deliveries the
-- table has not seen yet (file_id above the highest one it holds), and replaces every row of
-- those months (delete+insert on province_code + period_label). So a re-delivered month
-- replaces its earlier figures, an update of one dossier moves it between outcome columns,
-- and a run with nothing new changes nothing. `dbt build --full-refresh` recomputes all.
with deliveries as (
    select file_id
    from {{ ref('stg_audit__file_ingestions') }}
    where has_rows
),

records as (
    select
        d.file_id,
        d.source_row,
        d.province_code,
        d.dossier_id,
        d.level,
        d.channel,
        d.received_at,
        d.due_at,
        d.completed_at,
        date_trunc('month', d.received_at)::date as month_start
    from {{ ref('stg_raw__dossiers') }} as d
    inner join deliveries using (file_id)
),

{% if is_incremental() %}
seen as (
    select coalesce(max(file_id), 0) as last_file_id
    from {{ this }}
),

touched_dossiers as (
    select distinct province_code, dossier_id
    from records
    where file_id > (select last_file_id from seen)
),

-- Months of the new rows and of the earlier versions of the same dossiers.
scope as (
    select distinct r.province_code, r.month_start
    from records as r
    inner join touched_dossiers using (province_code, dossier_id)
),
{% else %}
scope as (
    select distinct province_code, month_start
    from records
),
{% endif %}

scoped_dossiers as (
    select distinct r.province_code, r.dossier_id
    from records as r
    inner join scope using (province_code, month_start)
),

latest as (
    select
        r.*,
        row_number() over (
            partition by r.province_code, r.dossier_id
            order by r.file_id desc, r.source_row desc
        ) as delivery_rank
    from records as r
    inner join scoped_dossiers using (province_code, dossier_id)
),

current_records as (
    select
        l.*,
        (l.month_start + interval '1 month')::date as next_month_start,
        case
            when l.completed_at is null then null
            when l.due_at is null then 'on_time'
            when l.completed_at > l.due_at then 'late'
            when l.completed_at::date < l.due_at::date then 'early'
            else 'on_time'
        end as outcome
    from latest as l
    inner join scope using (province_code, month_start)
    where l.delivery_rank = 1
)

select
    province_code,
    to_char(month_start, 'YYYY-MM') as period_label,
    month_start as period_start,
    (next_month_start - 1) as period_end,
    level,
    channel,
    count(*) as received,
    count(*) filter (where channel = 'truc_tuyen') as received_online,
    count(*) filter (where outcome = 'early') as resolved_early,
    count(*) filter (where outcome = 'on_time') as resolved_on_time,
    count(*) filter (where outcome = 'late') as resolved_late,
    count(*) filter (where completed_at is null and coalesce(due_at >= next_month_start, true)) as pending_within_deadline,
    count(*) filter (where completed_at is null and due_at < next_month_start) as pending_overdue,
    round(
        (percentile_cont(0.5) within group (
            order by extract(epoch from completed_at - received_at) / 86400.0
        ))::numeric,
        4
    ) as median_processing_days,
    max(file_id) as file_id
from current_records
group by province_code, month_start, next_month_start, level, channel
