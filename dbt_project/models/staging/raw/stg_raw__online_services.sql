select
    file_id,
    source_row,
    province_code,
    period_label,
    period_start,
    period_end,
    procedure_code,
    procedure_name,
    level,
    online_mode,
    on_national_portal,
    dossiers_total,
    dossiers_online
from {{ source('raw', 'online_services') }}
