{{
    config(
        materialized='incremental',
        unique_key=['province_code', 'period_label'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        indexes=[{'columns': ['province_code', 'period_start']}],
        post_hook=[
            "delete from {{ this }} where received = 0",
            "{{ ensure_not_null(this, ['province_code', 'period_label']) }}",
            "{{ record_followed(this) }}",
        ],
    )
}}
-- Record-level dossiers aggregated per province, month of receipt, level and channel, from the
-- current version of each dossier (int_dossier_records__current: the latest delivery in
-- delivery order wins; only deliveries that have rows count).
--
-- Incremental: a run only recomputes the (province, month) pairs touched by the batches of
-- int_dossier_records__current it has not followed yet (macro batches_since; the newest one it
-- followed is kept in int_dossier_records__monthly__batches), and replaces every row of those
-- months (delete+insert on province_code + period_label). So a re-delivered month replaces its
-- earlier figures, an update of one dossier moves it between outcome columns, and a run with
-- nothing new changes nothing. When one of those batches rebuilt the current versions, every
-- month is recomputed. `dbt build --full-refresh` recomputes all.
--
-- The touched months belong to the dossiers whose row a followed batch wrote (found through
-- the batch index of int_dossier_records__current): the month each is received in now and its
-- earlier_months, every other month a version of it was received in, so a dossier a newer
-- version moves leaves the month it was counted in. They are read once when the model is
-- compiled and written into the query as literals (macro rows_of), so the planner reads only
-- those months, through the (province_code, month_start) index.
-- A touched month left without any dossier gets one placeholder row (received = 0): it makes
-- delete+insert delete the month's earlier rows, and the post-hook deletes it in the same
-- transaction, so no reader ever sees it.
{% set batches = batches_since(this, ref('int_dossier_records__current')) %}
{% set recompute_all = batches.rebuilt %}
{% if is_incremental() %}
    {% set touched_sql %}
        {% if recompute_all %}
        select province_code, month_start from {{ ref('int_dossier_records__current') }} where batch >= 0
        union
        select province_code, period_start from {{ this }}
        order by 1, 2
        {% else %}
        select distinct c.province_code, m.month_start
        from {{ ref('int_dossier_records__current') }} as c
        cross join lateral unnest(c.earlier_months || c.month_start) as m (month_start)
        where c.batch > {{ batches.followed }} and c.batch <= {{ batches.batch }}
        order by 1, 2
        {% endif %}
    {% endset %}
    {% set touched = rows_of(touched_sql) %}
{% endif %}
-- places is inlined (not materialized), so the planner sees file_ingestions' statistics: over a
-- CTE it assumed 200 distinct file_ids and chose to hash all ten million current rows of a
-- national year instead of the few hundred deliveries (256 s instead of 23 s, seen here).
with places as not materialized (
    {{ delivery_places() }}
),

current_records as (
    select
        c.*,
        (c.month_start + interval '1 month')::date as next_month_start,
        p.delivery_place
    from {{ ref('int_dossier_records__current') }} as c
    left join places as p on p.file_id = c.file_id
    {% if is_incremental() %}
    where
        {% if recompute_all %}
        true
        {% elif touched %}
        (c.province_code, c.month_start) in ({{ literal_rows(touched, ['text', 'date']) }})
        {% else %}
        false
        {% endif %}
    {% endif %}
),

monthly as (
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
        max(delivery_place) as latest_place
    from current_records
    group by province_code, month_start, next_month_start, level, channel
)

select
    m.province_code,
    m.period_label,
    m.period_start,
    m.period_end,
    m.level,
    m.channel,
    m.received,
    m.received_online,
    m.resolved_early,
    m.resolved_on_time,
    m.resolved_late,
    m.pending_within_deadline,
    m.pending_overdue,
    m.median_processing_days,
    -- the latest delivery among the month's dossiers, in delivery order
    p.file_id
from monthly as m
left join places as p on p.delivery_place = m.latest_place
{% if is_incremental() and touched %}
union all
-- the placeholders of touched months left empty (deleted again by the post-hook)
select
    t.province_code,
    to_char(t.month_start, 'YYYY-MM'),
    t.month_start,
    ((t.month_start + interval '1 month')::date - 1),
    null,
    null,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    null,
    null
from (values {{ literal_rows(touched, ['text', 'date']) }}) as t (province_code, month_start)
where not exists (
    select 1 from monthly as m
    where m.province_code = t.province_code and m.period_start = t.month_start
)
{% endif %}
