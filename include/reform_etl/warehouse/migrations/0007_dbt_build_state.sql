-- What the last successful dbt build brought up to date (dbt_selection): a fingerprint per
-- kind of delivery and one for the dbt project, so a routine build selects only what changed.

create table if not exists audit.dbt_build_state (
    scope        text primary key,
    fingerprint  text not null,
    run_id       text,
    built_at     timestamptz not null default now()
);
comment on table audit.dbt_build_state is
    'Per kind of delivery and for the dbt project: the fingerprint the last successful dbt build saw.';
