-- Every index row carries a figure: the appraised score, or at least the province's own
-- self-assessment while the appraisal has not come (score is then null).
select index_code, year, province_code, component_code
from {{ ref('fct_index_scores') }}
where score is null
    and self_score is null
