-- The current score per natural key (index, year, province, component): a national PAR table
-- and a national PAPI table of the same year never touch each other.
{{ current_rows(ref('stg_raw__index_scores'), ['index_code', 'year', 'province_code', 'component_code']) }}
