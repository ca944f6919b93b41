-- The current figures per index, year, province and component: a national PAR table and a
-- national PAPI table of the same year never touch each other, and the two sources of the PAR
-- Index stand side by side. The latest appraised delivery gives the score, the latest
-- self-assessment file gives self_score; which arrived first does not matter. A
-- self-assessment file often repeats the appraised points too (Điểm đạt được): they fill the
-- score only while no appraised table has it.
with current_rows as (
    {{ current_rows(ref('stg_raw__index_scores'), ['index_code', 'year', 'province_code', 'component_code', 'source']) }}
),

appraised as (
    select * from current_rows where source = 'appraised'
),

self_assessed as (
    select * from current_rows where source = 'self'
)

select
    coalesce(a.index_code, s.index_code) as index_code,
    coalesce(a.year, s.year) as year,
    coalesce(a.province_code, s.province_code) as province_code,
    coalesce(a.component_code, s.component_code) as component_code,
    coalesce(a.component_label, s.component_label) as component_label,
    coalesce(a.is_total, s.is_total) as is_total,
    coalesce(a.score, s.score) as score,
    case
        when a.score is not null then 'appraised'
        when s.score is not null then 'self_assessment_file'
    end as score_source,
    coalesce(a.max_score, s.max_score) as max_score,
    s.self_score,
    coalesce(a.published_rank, s.published_rank) as published_rank,
    coalesce(a.file_id, s.file_id) as file_id,
    s.file_id as self_file_id
from appraised as a
full outer join self_assessed as s
    on s.index_code = a.index_code
    and s.year = a.year
    and s.province_code = a.province_code
    and s.component_code = a.component_code
