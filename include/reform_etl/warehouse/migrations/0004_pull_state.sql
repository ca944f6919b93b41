-- Watermarks and the fetch log of the pulled sources (pull/state.py).

create table if not exists audit.source_watermarks (
    source_id        text primary key,
    last_window_end  date,
    cursor           jsonb,
    seen             jsonb not null default '{}'::jsonb,
    updated_at       timestamptz not null default now()
);
create table if not exists audit.source_pulls (
    pull_id      bigserial primary key,
    source_id    text not null,
    run_id       text,
    transport    text,
    kind         text,
    province_code text,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    status       text not null default 'running'
                 check (status in ('running','ok','empty','up_to_date','failed')),
    files        integer not null default 0,
    records      bigint,
    message      text
);
create index if not exists source_pulls_source on audit.source_pulls (source_id, started_at);
create table if not exists audit.source_fetches (
    fetch_id      bigserial primary key,
    pull_id       bigint references audit.source_pulls(pull_id),
    source_id     text not null,
    remote        text not null,
    version       text,
    landing_path  text,
    sha256        text,
    size_bytes    bigint,
    records       bigint,
    fetched_at    timestamptz not null default now()
);
create index if not exists source_fetches_source on audit.source_fetches (source_id, fetched_at);
create index if not exists source_fetches_sha256 on audit.source_fetches (sha256);
comment on table audit.source_watermarks is 'Per pulled source: how far it has been pulled (last date window, '
    'the cursor inside an unfinished window, or the remote files/objects already fetched with their version).';
comment on table audit.source_pulls is 'One row per pull of a source: status ok, empty (nothing came although '
    'data was expected), up_to_date, or failed with the reason.';
comment on table audit.source_fetches is 'Every item fetched from a source: remote name (credentials redacted), '
    'version, the landing file it became and its SHA-256 (the ingest identity).';
