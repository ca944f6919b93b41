-- Deliveries and their fate. Only loaded and superseded deliveries have rows in raw that
-- can be current; intermediate models pick the current row per natural key among them.
select
    file_id,
    run_id,
    path,
    kind,
    province_code,
    period_label,
    status,
    status in ('loaded', 'superseded') as has_rows,
    rows_read,
    rows_loaded,
    rows_rejected,
    warnings,
    received_at,
    loaded_at,
    supersedes_file_id
from {{ source('audit', 'file_ingestions') }}
