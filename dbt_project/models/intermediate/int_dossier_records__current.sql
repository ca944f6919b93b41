{{
    config(
        materialized='incremental',
        unique_key=['province_code', 'dossier_id'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        indexes=[
            {'columns': ['province_code', 'dossier_id'], 'unique': True},
            {'columns': ['province_code', 'month_start']},
            {'columns': ['batch']},
        ],
        post_hook=[
            "{% if is_incremental() %}delete from {{ this }} where batch < 0{% endif %}",
            "{{ ensure_not_null(this, ['dossier_id', 'month_start']) }}",
            "{{ record_consumed(this) }}",
            {
                'sql': "{% if not is_incremental() %}vacuum analyze {{ this }}{% endif %}",
                'transaction': False,
            },
        ],
    )
}}
-- The current version of each record-level dossier (province + dossier_id): among the rows of
-- deliveries whose audit row says they have rows (loaded or superseded), the one of the latest
-- delivery in delivery order wins (delivery_key: when the file was delivered, then its path),
-- then the later source row (export contract §1). Which load committed first never matters.
--
-- Incremental, so that a new delivery costs its own rows and not the history. The deliveries a
-- run reads are fixed when the model is compiled (macro plan_increment): those not yet in the
-- ledger intermediate.int_dossier_records__current__consumed, which the post-hook fills in the
-- same transaction. So a file that commits late, after a build has read files loaded after it,
-- is read by the next build, and its rows win or lose by delivery order: each new version
-- competes with the version the table holds, and delete+insert replaces the dossier's row. A
-- run with nothing new changes nothing.
--
-- The held version's place in the delivery order is its file's delivery_key, read from the
-- deliveries when needed rather than stored on every row (it was 40 % of the row's width): an
-- incremental run only happens while every consumed delivery keeps the key it had when it was
-- read, so the key now is the key then.
--
-- A rebuild (a full build, or a consumed delivery that moved in the delivery order or left the
-- warehouse since) reads every delivery; dossiers left without any version get a tombstone row
-- (batch -1) that makes delete+insert remove them, and the first post-hook deletes it. A first
-- build or a full refresh writes no tombstone, so it skips that delete (a scan of every row).
--
-- batch: the run that wrote the row (a sequence that outlives full refreshes);
-- int_dossier_records__monthly follows these batches to know which months to recompute.
--
-- earlier_months keeps every other month a delivered version of the dossier was received in
-- (a corrected receipt date moves a dossier). int_dossier_records__monthly recomputes those
-- months too when the dossier changes, so that it leaves the month it was counted in, however
-- many runs ago that was. An incremental run adds the months the row it replaces carried; a
-- rebuild reads them from all versions in raw, so both give the same table.
--
-- The database refuses a row without its dossier_id or month_start (NOT NULL, set by the
-- second post-hook when the table is new: macro ensure_not_null), as the unique index refuses
-- a second version: a data test would read the whole table on every build, ten million rows in
-- a national warehouse.
--
-- After a full build the table is vacuumed and analysed at once (≈ 0.2 s per million rows).
-- Otherwise autovacuum takes the freshly written table up during a later run, and dbt's
-- COMMENT ON (persist_docs, on every run) waits for it: up to deadlock_timeout, 1 s.
--
-- In a rebuild, the deliveries that share no key with any other (plan.alone, from the loads'
-- key ranges; every file of a national year of monthly exports) skip the ranking: each of their
-- rows is its dossier's only version. Ranking ten million rows means sorting them, most of a
-- full build's time.
-- depends_on: {{ ref('stg_audit__file_ingestions') }} (read by plan_increment when compiled)
-- depends_on: {{ source('audit', 'file_key_ranges') }} (likewise)
{% set plan = plan_increment(this, 'dossiers') %}
{% set incremental_merge = is_incremental() and not plan.rebuild %}
{% set alone = plan.get('alone', []) %}
{% set version_columns = [
    'province_code', 'dossier_id', 'file_id', 'source_row', 'level', 'channel',
    'received_at', 'due_at', 'completed_at', 'month_start',
] %}
{% set ranked_files = [] %}
{% for row in plan.deliveries if (row[0] | int) not in alone %}{% do ranked_files.append(row[0] | int) %}{% endfor %}
with deliveries as (
    {% if plan.deliveries %}
    select d.file_id, d.delivery_key
    from (values {{ literal_rows(plan.deliveries, ['bigint', 'text']) }}) as d (file_id, delivery_key)
    {% else %}
    select null::bigint as file_id, null::text as delivery_key where false
    {% endif %}
),

-- every version the run reads (not materialized: each reader below names its files, as
-- literals, so that raw's file_id index finds their rows)
delivered as not materialized (
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
        f.delivery_key collate "C" as delivery_key,
        date_trunc('month', d.received_at)::date as month_start
    from {{ ref('stg_raw__dossiers') }} as d
    inner join deliveries as f on f.file_id = d.file_id
),

new_versions as (
    select
        v.*,
        '{}'::date[] as carried_months
    from delivered as v
    {% if ranked_files %}
    where v.file_id in ({{ ranked_files | join(', ') }})
    {% else %}
    where false
    {% endif %}
),

versions as (
    select * from new_versions
    {% if incremental_merge %}
    union all
    -- the version each touched dossier has now competes with the new ones, and carries the
    -- months of the versions before it
    select
        p.file_id,
        p.source_row,
        p.province_code,
        p.dossier_id,
        p.level,
        p.channel,
        p.received_at,
        p.due_at,
        p.completed_at,
        coalesce(f.delivery_key, '') collate "C",
        p.month_start,
        p.earlier_months
    from {{ this }} as p
    left join {{ ref('stg_audit__file_ingestions') }} as f on f.file_id = p.file_id
    where exists (
        select 1 from new_versions as n
        where n.province_code = p.province_code and n.dossier_id = p.dossier_id
    )
    {% endif %}
),

ranked as (
    select
        v.*,
        row_number() over (
            partition by v.province_code, v.dossier_id
            order by v.delivery_key desc, v.source_row desc
        ) as delivery_rank,
        -- one sort serves all three windows
        array_agg(v.month_start) over (partition by v.province_code, v.dossier_id) as version_months,
        -- only the held version carries months; an empty array sorts below any other
        max(v.carried_months) over (partition by v.province_code, v.dossier_id) as held_months
    from versions as v
),

winners as (
    select
        r.*,
        r.version_months || r.held_months as known_months
    from ranked as r
    where r.delivery_rank = 1
),

latest as (
    select
        {{ version_columns | join(', ') }},
        case
            -- the common case, one version or all in one month, without a subquery per row
            when known_months <@ array[month_start] then '{}'::date[]
            else array(select distinct m from unnest(known_months) as m where m <> month_start order by m)
        end as earlier_months
    from winners
    {% if alone %}
    union all
    -- a key only one delivery holds: its row, the only version, and no other month
    select
        {{ version_columns | join(', ') }},
        '{}'::date[]
    from delivered
    where file_id in ({{ alone | join(', ') }})
    {% endif %}
)

select
    province_code,
    dossier_id,
    file_id,
    source_row,
    {{ plan.batch }}::bigint as batch,
    level,
    channel,
    received_at,
    due_at,
    completed_at,
    month_start,
    earlier_months,
    case
        when completed_at is null then null
        when due_at is null then 'on_time'
        when completed_at > due_at then 'late'
        when completed_at::date < due_at::date then 'early'
        else 'on_time'
    end as outcome
from latest
{% if is_incremental() and plan.rebuild %}
union all
-- tombstones: dossiers the table holds that no delivery has any more (deleted by a post-hook)
select
    p.province_code,
    p.dossier_id,
    p.file_id,
    p.source_row,
    -1::bigint,
    p.level,
    p.channel,
    p.received_at,
    p.due_at,
    p.completed_at,
    p.month_start,
    p.earlier_months,
    p.outcome
from {{ this }} as p
where not exists (
    select 1 from latest as l
    where l.province_code = p.province_code and l.dossier_id = p.dossier_id
)
{% endif %}
