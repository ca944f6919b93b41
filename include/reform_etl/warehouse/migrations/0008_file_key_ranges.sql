-- Per delivered file and province, the smallest and largest key after the province
-- (warehouse.key_ranges): supersession joins only files whose ranges meet, so its cost
-- stays flat as a province's history grows. Files loaded before this table have no range
-- and always stay candidates.

create table if not exists audit.file_key_ranges (
    file_id        bigint not null references audit.file_ingestions(file_id),
    province_code  text not null,
    min_key        text collate "C" not null,
    max_key        text collate "C" not null,
    primary key (file_id, province_code)
);
create index if not exists file_key_ranges_province on audit.file_key_ranges (province_code, min_key, max_key);
comment on table audit.file_key_ranges is
    'Per delivered file and province: the range of the key column after the province, to narrow supersession.';
