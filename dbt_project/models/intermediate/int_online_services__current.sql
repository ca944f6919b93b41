-- The current catalogue row per natural key (province, period, procedure).
{{ current_rows(ref('stg_raw__online_services'), ['province_code', 'period_label', 'procedure_code']) }}
