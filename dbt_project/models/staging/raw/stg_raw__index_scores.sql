select
    file_id,
    source_row,
    index_code,
    year,
    province_code,
    component as component_label,
    component_code,
    component_code = 'TOTAL' as is_total,
    score,
    max_score,
    self_score,
    published_rank,
    -- Rows loaded before the column existed: a self-assessed figure marks a self-assessment file.
    coalesce(source, case when self_score is not null then 'self' else 'appraised' end) as source
from {{ source('raw', 'index_scores') }}
