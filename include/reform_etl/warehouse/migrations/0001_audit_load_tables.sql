-- The schemas the loader and dbt use, and the audit trail of every file loaded.
-- Written to run on an empty database and on a warehouse built before numbered migrations
-- (every statement is "if not exists" or touches only rows that need it).

create schema if not exists raw;
create schema if not exists audit;
-- dbt builds in these (dbt_project.yml, macros/generate_schema_name.sql). The login user
-- creates them so that dbt, running as the transformer, needs CREATE on these schemas only.
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;
create schema if not exists reference;
create schema if not exists snapshots;

create table if not exists audit.pipeline_runs (
    run_id          text primary key,
    started_at      timestamptz not null default now(),
    finished_at     timestamptz,
    trigger         text,
    landing_dir     text,
    status          text not null default 'running',
    files_seen      integer not null default 0,
    message         text
);

create table if not exists audit.file_ingestions (
    file_id             bigserial primary key,
    run_id              text,
    path                text not null,
    sha256              text not null,
    size_bytes          bigint,
    kind                text,
    format              text,
    encoding            text,
    sheet               text,
    province_code       text,
    period_label        text,
    status              text not null check (status in ('loaded','rejected','duplicate','superseded')),
    rows_read           integer not null default 0,
    rows_loaded         integer not null default 0,
    rows_rejected       integer not null default 0,
    warnings            integer not null default 0,
    message             text,
    received_at         timestamptz not null default now(),
    delivered_at        timestamptz not null,
    delivery_key        text collate "C" not null,
    loaded_at           timestamptz,
    supersedes_file_id  bigint references audit.file_ingestions(file_id),
    duplicate_of_file_id bigint references audit.file_ingestions(file_id),
    constraint rows_add_up check (rows_read = rows_loaded + rows_rejected)
);
-- Warehouses from before delivery order was recorded: their deliveries keep the order they
-- were loaded in (received_at, then file_id), which is what decided the marts until then.
alter table audit.file_ingestions add column if not exists delivered_at timestamptz;
alter table audit.file_ingestions add column if not exists delivery_key text collate "C";
update audit.file_ingestions
set delivered_at = received_at,
    delivery_key = lpad((extract(epoch from received_at) * 1000000)::bigint::text, 20, '0')
        || '|' || path || '|' || lpad(file_id::text, 20, '0')
where delivery_key is null;
alter table audit.file_ingestions alter column delivered_at set not null;
alter table audit.file_ingestions alter column delivery_key set not null;
create index if not exists file_ingestions_sha256 on audit.file_ingestions (sha256);
create index if not exists file_ingestions_path on audit.file_ingestions (path, sha256);

create table if not exists audit.rejected_rows (
    file_id      bigint not null references audit.file_ingestions(file_id),
    source_row   integer,
    column_name  text,
    raw_value    text,
    reason       text not null
);
create index if not exists rejected_rows_file on audit.rejected_rows (file_id);

create table if not exists audit.row_warnings (
    file_id      bigint not null references audit.file_ingestions(file_id),
    source_row   integer,
    column_name  text,
    raw_value    text,
    rule         text not null,
    message      text not null
);
create index if not exists row_warnings_file on audit.row_warnings (file_id);

create table if not exists audit.validation_results (
    run_id            text,
    file_id           bigint references audit.file_ingestions(file_id),
    suite             text not null,
    expectation       text not null,
    column_name       text,
    success           boolean not null,
    severity          text not null check (severity in ('error','warning')),
    observed_value    text,
    unexpected_count  bigint,
    checked_at        timestamptz not null default now()
);
create index if not exists validation_results_file on audit.validation_results (file_id);

create table if not exists audit.dbt_results (
    run_id          text,
    invocation      text not null,
    unique_id       text not null,
    resource_type   text not null,
    status          text not null,
    failures        integer,
    message         text,
    execution_time  double precision,
    recorded_at     timestamptz not null default now()
);

comment on table audit.file_ingestions is 'One row per file the pipeline has seen: its identity (SHA-256), kind, '
    'province, period, status and row accounting. rows_read = rows_loaded + rows_rejected always. delivered_at is '
    'when the file was delivered (its modification time in the landing folder, or when a pull fetched it); '
    'delivery_key orders deliveries by that time, then path: of two rows with the same natural key, the later '
    'delivery''s is current.';
comment on table audit.rejected_rows is 'Rows that were read but not loaded, with the source row number as a person '
    'sees it in the file, the column, the raw value and the reason.';
comment on table audit.row_warnings is 'Rows that loaded but broke a warning rule (for example a printed rate that '
    'disagrees with the counts).';
comment on table audit.validation_results is 'Every expectation evaluated on every file, with severity and outcome.';
comment on table audit.pipeline_runs is 'One row per pipeline run (command line or Airflow).';
comment on table audit.dbt_results is 'Outcome of every dbt model, seed and data test in every build.';
