-- The audit rows of files a backfill re-processed from the archive (backfill.py).

create table if not exists audit.backfills (
    backfill_run    text not null,
    old_file_id     bigint not null,
    new_file_id     bigint,
    sha256          text not null,
    kind            text,
    province_code   text,
    period_label    text,
    old_status      text,
    new_status      text,
    old_row         jsonb not null,
    reprocessed_at  timestamptz not null default now()
);
comment on table audit.backfills is
    'Files re-processed from the archive by a backfill: the audit row they had before, and the file they became.';
