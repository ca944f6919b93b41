{{
    config(
        materialized='incremental',
        unique_key=['province_code', 'dossier_id'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        indexes=[
            {'columns': ['province_code', 'dossier_id'], 'unique': True},
            {'columns': ['province_code', 'month_start']},
            {'columns': ['file_id']},
        ],
        post_hook=[{
            'sql': "{% if not is_incremental() %}vacuum analyze {{ this }}{% endif %}",
            'transaction': False,
        }],
    )
}}
-- The current version of each record-level dossier (province + dossier_id): among the rows of
-- deliveries whose audit row says they have rows (loaded or superseded), the latest delivery
-- wins, ordered by file_id then source_row (export contract §1).
--
-- Incremental, so that a new delivery costs its own rows and not the history: a run reads only
-- the raw rows of deliveries above the highest file_id the table holds (a literal, so raw's
-- file_id index serves it), keeps the latest of them per dossier, and replaces that dossier's
-- row (delete+insert on province_code + dossier_id). Every delivery it reads is newer than any
-- version the table holds, so the newest version always wins. A run with nothing new changes
-- nothing; `dbt build --full-refresh` recomputes all.
--
-- earlier_months keeps every other month a delivered version of the dossier was received in
-- (a corrected receipt date moves a dossier). int_dossier_records__monthly recomputes those
-- months too when the dossier changes, so that it leaves the month it was counted in, however
-- many runs ago that was. An incremental run adds the months of the replaced row; a full build
-- reads them from all versions in raw, so both give the same table.
--
-- Indexes: the unique key (the delete of replaced versions, and the database refuses a second
-- version of a dossier), (province_code, month_start) for int_dossier_records__monthly, which
-- recomputes whole months, and file_id for the watermarks of both models.
--
-- After a full build the table is vacuumed and analysed at once (≈ 0.2 s per million rows).
-- Otherwise autovacuum takes the freshly written table up during a later run, and dbt's
-- COMMENT ON (persist_docs, on every run) waits for it: up to deadlock_timeout, 1 s.
with deliveries as (
    select file_id
    from {{ ref('stg_audit__file_ingestions') }}
    where has_rows
),

versions as (
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
        date_trunc('month', d.received_at)::date as month_start,
        row_number() over (
            partition by d.province_code, d.dossier_id
            order by d.file_id desc, d.source_row desc
        ) as delivery_rank,
        -- one sort serves both windows
        array_agg(date_trunc('month', d.received_at)::date) over (
            partition by d.province_code, d.dossier_id
        ) as version_months
    from {{ ref('stg_raw__dossiers') }} as d
    inner join deliveries as f on f.file_id = d.file_id
    {% if is_incremental() %}
    where d.file_id > {{ highest_file_id(this) }}
    {% endif %}
),

latest as (
    select
        v.*,
        {% if is_incremental() %}
        v.version_months || coalesce(prior.earlier_months || prior.month_start, '{}') as known_months
        {% else %}
        v.version_months as known_months
        {% endif %}
    from versions as v
    {% if is_incremental() %}
    left join {{ this }} as prior
        on prior.province_code = v.province_code
        and prior.dossier_id = v.dossier_id
    {% endif %}
    where v.delivery_rank = 1
)

select
    province_code,
    dossier_id,
    file_id,
    source_row,
    level,
    channel,
    received_at,
    due_at,
    completed_at,
    month_start,
    case
        -- the common case, one version or all in one month, without a subquery per row
        when known_months <@ array[month_start] then '{}'::date[]
        else array(select distinct m from unnest(known_months) as m where m <> month_start order by m)
    end as earlier_months,
    case
        when completed_at is null then null
        when due_at is null then 'on_time'
        when completed_at > due_at then 'late'
        when completed_at::date < due_at::date then 'early'
        else 'on_time'
    end as outcome
from latest
