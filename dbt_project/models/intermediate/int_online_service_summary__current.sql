-- The current online-service summary per natural key (province, period).
{{ current_rows(ref('stg_raw__online_service_summary'), ['province_code', 'period_label']) }}
