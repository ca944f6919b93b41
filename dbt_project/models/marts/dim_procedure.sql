-- Each province's administrative procedures as SCD type 2. Versions come from the snapshot
-- (states observed build after build); states that predate the snapshot's first capture of a
-- procedure (several catalogue periods loaded before the first build) are taken from the
-- catalogue history, so the dimension is complete either way.
with snapshot as (
    select
        procedure_key,
        province_code,
        procedure_code,
        procedure_name,
        level,
        online_mode,
        on_national_portal,
        first_period_label,
        dbt_valid_from::date as valid_from,
        (dbt_valid_to::date - 1) as valid_to
    from {{ ref('snp_procedure_catalogue') }}
),

history as (
    select * from {{ ref('int_procedure_catalogue__versions') }}
),

first_captured as (
    select procedure_key, min(valid_from) as first_valid_from
    from snapshot
    group by procedure_key
),

earlier as (
    select
        h.procedure_key,
        h.province_code,
        h.procedure_code,
        h.procedure_name,
        h.level,
        h.online_mode,
        h.on_national_portal,
        h.first_period_label,
        h.valid_from,
        case
            when f.first_valid_from is null then h.valid_to
            else least(coalesce(h.valid_to, f.first_valid_from - 1), f.first_valid_from - 1)
        end as valid_to
    from history as h
    left join first_captured as f using (procedure_key)
    where f.first_valid_from is null or h.valid_from < f.first_valid_from
),

versions as (
    select * from snapshot
    union all
    select * from earlier
)

select
    md5(v.procedure_key || ':' || v.valid_from::text) as procedure_version_key,
    v.procedure_key,
    v.province_code,
    v.procedure_code,
    v.procedure_name,
    v.level,
    v.online_mode,
    case v.online_mode
        when 'toan_trinh' then 'Dịch vụ công trực tuyến toàn trình'
        when 'mot_phan' then 'Dịch vụ công trực tuyến một phần'
        when 'khong' then 'Chỉ cung cấp thông tin (không trực tuyến)'
    end as online_mode_label,
    v.online_mode in ('toan_trinh', 'mot_phan') as is_online,
    v.on_national_portal,
    v.valid_from,
    v.valid_to,
    v.valid_to is null as is_current,
    v.first_period_label,
    h.last_period_label as last_seen_period_label
from versions as v
left join history as h
    on h.procedure_key = v.procedure_key
    and h.valid_from = v.valid_from
