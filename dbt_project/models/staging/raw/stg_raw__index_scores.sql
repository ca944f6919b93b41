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
    published_rank
from {{ source('raw', 'index_scores') }}
