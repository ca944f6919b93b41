-- Dossier records each delivery holds per province and month, which the volume rule
-- compares a new month with instead of re-counting raw (validation/file_rules.py).

create table if not exists audit.file_period_counts (
    file_id        bigint not null references audit.file_ingestions(file_id),
    province_code  text not null,
    period_label   text not null,
    period_start   date not null,
    rows_loaded    bigint not null,
    primary key (file_id, province_code, period_label)
);
create index if not exists file_period_counts_province on audit.file_period_counts (province_code, period_label, file_id);
comment on table audit.file_period_counts is 'Dossier records (raw.dossiers) each file holds per province and month: '
    'rows_loaded rows of period_label (starting period_start). Written when the file loads; the volume rule compares '
    'a new month with these instead of re-counting raw.';

-- A warehouse from before the table: count the deliveries already loaded, once.
insert into audit.file_period_counts (file_id, province_code, period_label, period_start, rows_loaded)
select file_id, province_code, period_label, min(period_start), count(*)
from raw.dossiers
where file_id in (
    select f.file_id from audit.file_ingestions f
    where f.kind = 'dossiers' and f.status in ('loaded', 'superseded')
      and not exists (select 1 from audit.file_period_counts c where c.file_id = f.file_id)
)
group by file_id, province_code, period_label
order by file_id, province_code, period_label
on conflict do nothing;
