-- Online public services per province and period, from two sources kept apart by `source`:
--   catalogue - counted from the procedure catalogue (one row per procedure);
--   summary   - the counts a province sends when it has no catalogue.
-- not materialized: see int_dossier_records__monthly (the planner needs file_ingestions' statistics)
with places as not materialized (
    {{ delivery_places() }}
),

catalogue_groups as (
    select
        s.province_code,
        s.period_label,
        s.period_start,
        s.period_end,
        'catalogue'::text as source,
        count(*) as procedures_total,
        count(*) filter (where s.online_mode in ('toan_trinh', 'mot_phan')) as procedures_online,
        count(*) filter (where s.online_mode = 'toan_trinh') as procedures_full_online,
        count(*) filter (where s.online_mode = 'mot_phan') as procedures_partial_online,
        count(*) filter (where s.on_national_portal) as procedures_on_national_portal,
        cast(sum(s.dossiers_total) as bigint) as dossiers_total,
        cast(sum(s.dossiers_online) as bigint) as dossiers_online,
        max(p.delivery_place) as latest_place
    from {{ ref('int_online_services__current') }} as s
    left join places as p on p.file_id = s.file_id
    group by s.province_code, s.period_label, s.period_start, s.period_end
),

catalogue as (
    select
        g.province_code,
        g.period_label,
        g.period_start,
        g.period_end,
        g.source,
        g.procedures_total,
        g.procedures_online,
        g.procedures_full_online,
        g.procedures_partial_online,
        g.procedures_on_national_portal,
        g.dossiers_total,
        g.dossiers_online,
        -- the latest delivery among the period's procedures, in delivery order
        p.file_id
    from catalogue_groups as g
    left join places as p on p.delivery_place = g.latest_place
),

summary as (
    select
        province_code,
        period_label,
        period_start,
        period_end,
        'summary'::text as source,
        procedures_total,
        procedures_online,
        procedures_full_online,
        procedures_partial_online,
        procedures_on_national_portal,
        dossiers_total,
        dossiers_online,
        file_id
    from {{ ref('int_online_service_summary__current') }}
),

unioned as (
    select * from catalogue
    union all
    select * from summary
)

select
    u.province_code,
    p.province_key,
    u.period_label,
    u.period_start,
    u.period_end,
    u.source,
    u.procedures_total,
    u.procedures_online,
    u.procedures_full_online,
    u.procedures_partial_online,
    u.procedures_on_national_portal,
    {{ pct('u.procedures_online', 'u.procedures_total') }} as coverage_rate,
    {{ pct('u.procedures_full_online', 'u.procedures_total') }} as full_online_rate,
    {{ pct('u.procedures_on_national_portal', 'u.procedures_total') }} as portal_integration_rate,
    u.dossiers_total,
    u.dossiers_online,
    {{ pct('u.dossiers_online', 'u.dossiers_total') }} as online_dossier_rate,
    u.file_id
from unioned as u
left join {{ ref('dim_province') }} as p
    on p.province_code = u.province_code
    and u.period_start between p.valid_from and coalesce(p.valid_to, date 'infinity')
