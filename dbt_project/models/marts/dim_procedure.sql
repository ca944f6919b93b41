-- Each province's administrative procedures as SCD type 2, from the catalogue history alone
-- (int_procedure_catalogue__versions: runs of catalogue periods with the same level, online
-- mode and portal integration). The history is recomputed from the current catalogue rows on
-- every build, so a corrected or late catalogue changes the versions exactly as if it had
-- arrived in order. The snapshot snp_procedure_catalogue still records the states each build
-- observed, for auditing; the dimension does not depend on when builds happened to run.
with versions as (
    select * from {{ ref('int_procedure_catalogue__versions') }}
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
    v.last_period_label as last_seen_period_label
from versions as v
