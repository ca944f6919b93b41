-- Deliveries and their fate. Only loaded and superseded deliveries have rows in raw that
-- can be current; intermediate models pick the current row per natural key among them, the
-- one of the latest delivery in delivery_key order (when it was delivered, then its path),
-- never by file_id, which only says which load happened to commit first.
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
    delivered_at,
    delivery_key collate "C" as delivery_key,
    loaded_at,
    supersedes_file_id
from {{ source('audit', 'file_ingestions') }}
