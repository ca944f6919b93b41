-- Airflow tasks that failed after their last retry (airflow_callbacks.py).

create table if not exists audit.task_failures (
    failure_id   bigserial primary key,
    failed_at    timestamptz not null default now(),
    dag_id       text not null,
    task_id      text not null,
    map_index    integer not null default -1,
    run_id       text not null,
    try_number   integer,
    hostname     text,
    error_type   text,
    error        text,
    log_url      text
);
comment on table audit.task_failures is
    'One row per Airflow task that failed after its last retry: which task, run and host, and the error.';
