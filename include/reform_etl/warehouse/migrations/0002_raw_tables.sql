-- One raw table per kind of export, its columns as reform_etl.warehouse.raw.raw_columns
-- lists them (a test checks that they agree). Raw is append-only: the loaders insert, dbt reads.
--
-- Baseline: the "add column if not exists" bring a table from an earlier release to the
-- kind's columns (nullable, as such columns always were).
--
-- Raw's one index is a block-range index on file_id. Raw is append-only and file ids grow
-- with time, so it finds a file's rows (and the files dbt's ledger says are new) at a
-- fraction of a btree's upkeep. Every other lookup is by file too: supersession joins a new
-- file with the earlier files of its provinces (ingest._supersede), dbt keeps its own keyed
-- tables. A btree on the natural key cost as much as 70 % of the COPY itself on every load
-- (docs/performance.md), so warehouses created before lose it, and the old btree on file_id.

create table if not exists raw.dossier_summary (
    file_id                  bigint not null,
    source_row               integer not null,
    province_code            text not null,
    period_label             text not null,
    period_start             date not null,
    period_end               date not null,
    level                    text,
    received                 bigint,
    received_online          bigint,
    carried_over             bigint,
    resolved_early           bigint,
    resolved_on_time         bigint,
    resolved_late            bigint,
    pending_within_deadline  bigint,
    pending_overdue          bigint,
    reported_on_time_rate    numeric,
    reported_late_rate       numeric
);
alter table raw.dossier_summary
    add column if not exists file_id bigint,
    add column if not exists source_row integer,
    add column if not exists province_code text,
    add column if not exists period_label text,
    add column if not exists period_start date,
    add column if not exists period_end date,
    add column if not exists level text,
    add column if not exists received bigint,
    add column if not exists received_online bigint,
    add column if not exists carried_over bigint,
    add column if not exists resolved_early bigint,
    add column if not exists resolved_on_time bigint,
    add column if not exists resolved_late bigint,
    add column if not exists pending_within_deadline bigint,
    add column if not exists pending_overdue bigint,
    add column if not exists reported_on_time_rate numeric,
    add column if not exists reported_late_rate numeric;
create index if not exists dossier_summary_file_id_brin on raw.dossier_summary using brin (file_id);
drop index if exists raw.dossier_summary_file_id;
drop index if exists raw.dossier_summary_natural_key;

create table if not exists raw.dossiers (
    file_id         bigint not null,
    source_row      integer not null,
    province_code   text not null,
    period_label    text not null,
    period_start    date not null,
    period_end      date not null,
    dossier_id      text,
    procedure_code  text,
    procedure_name  text,
    level           text,
    channel         text,
    received_at     timestamp,
    due_at          timestamp,
    completed_at    timestamp,
    agency          text,
    field           text,
    paid_online     boolean,
    status          text
);
alter table raw.dossiers
    add column if not exists file_id bigint,
    add column if not exists source_row integer,
    add column if not exists province_code text,
    add column if not exists period_label text,
    add column if not exists period_start date,
    add column if not exists period_end date,
    add column if not exists dossier_id text,
    add column if not exists procedure_code text,
    add column if not exists procedure_name text,
    add column if not exists level text,
    add column if not exists channel text,
    add column if not exists received_at timestamp,
    add column if not exists due_at timestamp,
    add column if not exists completed_at timestamp,
    add column if not exists agency text,
    add column if not exists field text,
    add column if not exists paid_online boolean,
    add column if not exists status text;
create index if not exists dossiers_file_id_brin on raw.dossiers using brin (file_id);
drop index if exists raw.dossiers_file_id;
drop index if exists raw.dossiers_natural_key;

create table if not exists raw.online_services (
    file_id             bigint not null,
    source_row          integer not null,
    province_code       text not null,
    period_label        text not null,
    period_start        date not null,
    period_end          date not null,
    procedure_code      text,
    procedure_name      text,
    level               text,
    online_mode         text,
    on_national_portal  boolean,
    dossiers_total      bigint,
    dossiers_online     bigint
);
alter table raw.online_services
    add column if not exists file_id bigint,
    add column if not exists source_row integer,
    add column if not exists province_code text,
    add column if not exists period_label text,
    add column if not exists period_start date,
    add column if not exists period_end date,
    add column if not exists procedure_code text,
    add column if not exists procedure_name text,
    add column if not exists level text,
    add column if not exists online_mode text,
    add column if not exists on_national_portal boolean,
    add column if not exists dossiers_total bigint,
    add column if not exists dossiers_online bigint;
create index if not exists online_services_file_id_brin on raw.online_services using brin (file_id);
drop index if exists raw.online_services_file_id;
drop index if exists raw.online_services_natural_key;

create table if not exists raw.online_service_summary (
    file_id                        bigint not null,
    source_row                     integer not null,
    province_code                  text not null,
    period_label                   text not null,
    period_start                   date not null,
    period_end                     date not null,
    procedures_total               bigint,
    procedures_online              bigint,
    procedures_full_online         bigint,
    procedures_partial_online      bigint,
    procedures_on_national_portal  bigint,
    dossiers_total                 bigint,
    dossiers_online                bigint,
    reported_coverage_rate         numeric,
    reported_online_dossier_rate   numeric
);
alter table raw.online_service_summary
    add column if not exists file_id bigint,
    add column if not exists source_row integer,
    add column if not exists province_code text,
    add column if not exists period_label text,
    add column if not exists period_start date,
    add column if not exists period_end date,
    add column if not exists procedures_total bigint,
    add column if not exists procedures_online bigint,
    add column if not exists procedures_full_online bigint,
    add column if not exists procedures_partial_online bigint,
    add column if not exists procedures_on_national_portal bigint,
    add column if not exists dossiers_total bigint,
    add column if not exists dossiers_online bigint,
    add column if not exists reported_coverage_rate numeric,
    add column if not exists reported_online_dossier_rate numeric;
create index if not exists online_service_summary_file_id_brin on raw.online_service_summary using brin (file_id);
drop index if exists raw.online_service_summary_file_id;
drop index if exists raw.online_service_summary_natural_key;

create table if not exists raw.index_scores (
    file_id         bigint not null,
    source_row      integer not null,
    province_code   text not null,
    index_code      text,
    year            integer,
    component       text,
    score           numeric,
    max_score       numeric,
    self_score      numeric,
    published_rank  bigint,
    source          text,
    component_code  text not null
);
alter table raw.index_scores
    add column if not exists file_id bigint,
    add column if not exists source_row integer,
    add column if not exists province_code text,
    add column if not exists index_code text,
    add column if not exists year integer,
    add column if not exists component text,
    add column if not exists score numeric,
    add column if not exists max_score numeric,
    add column if not exists self_score numeric,
    add column if not exists published_rank bigint,
    add column if not exists source text,
    add column if not exists component_code text;
-- Scores loaded before the source column was part of the key: the same rule staging
-- applies, written once, so supersession's key joins (plain equality, hashable) see them.
update raw.index_scores set source = case when self_score is not null then 'self' else 'appraised' end
where source is null;
create index if not exists index_scores_file_id_brin on raw.index_scores using brin (file_id);
drop index if exists raw.index_scores_file_id;
drop index if exists raw.index_scores_natural_key;
