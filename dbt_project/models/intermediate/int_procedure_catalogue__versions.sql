-- Versions of each province's procedure as its catalogues describe it over time: consecutive
-- catalogue periods with the same level, online mode and portal integration form one version
-- (gaps and islands). valid_from is the first day of the first period of the version.
with catalogue as (
    select
        province_code,
        procedure_code,
        procedure_name,
        level,
        online_mode,
        on_national_portal,
        period_label,
        period_start,
        period_end
    from {{ ref('int_online_services__current') }}
),

flagged as (
    select
        *,
        case
            when (level, online_mode, on_national_portal) is not distinct from (
                lag(level) over by_period,
                lag(online_mode) over by_period,
                lag(on_national_portal) over by_period
            ) then 0
            else 1
        end as starts_version
    from catalogue
    window by_period as (partition by province_code, procedure_code order by period_start, period_end)
),

numbered as (
    select
        *,
        sum(starts_version) over (
            partition by province_code, procedure_code
            order by period_start, period_end
            rows between unbounded preceding and current row
        ) as version_no
    from flagged
),

versions as (
    select
        province_code,
        procedure_code,
        version_no,
        min(level) as level,
        min(online_mode) as online_mode,
        bool_or(on_national_portal) as on_national_portal,
        (array_agg(procedure_name order by period_start desc))[1] as procedure_name,
        min(period_start) as valid_from,
        (array_agg(period_label order by period_start))[1] as first_period_label,
        (array_agg(period_label order by period_start desc))[1] as last_period_label
    from numbered
    group by province_code, procedure_code, version_no
)

select
    province_code || ':' || procedure_code as procedure_key,
    province_code,
    procedure_code,
    version_no,
    procedure_name,
    level,
    online_mode,
    on_national_portal,
    valid_from,
    (lead(valid_from) over (partition by province_code, procedure_code order by valid_from) - 1) as valid_to,
    first_period_label,
    last_period_label,
    version_no = max(version_no) over (partition by province_code, procedure_code) as is_latest
from versions
