select
    file_id,
    source_row,
    province_code,
    period_label,
    period_start,
    period_end,
    procedures_total,
    procedures_online,
    procedures_full_online,
    procedures_partial_online,
    procedures_on_national_portal,
    dossiers_total,
    dossiers_online,
    reported_coverage_rate,
    reported_online_dossier_rate
from {{ source('raw', 'online_service_summary') }}
