-- The current dossier-summary row per natural key (province, period, level).
{{ current_rows(ref('stg_raw__dossier_summary'), ['province_code', 'period_label', 'level']) }}
