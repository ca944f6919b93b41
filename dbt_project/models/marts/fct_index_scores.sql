{{ config(indexes=[{'columns': ['index_code', 'year', 'province_code']}]) }}
-- Published index scores, totals and components, each matched to its dim_index component of
-- the same year: by code, else by the folded component name, else by the folded name without
-- numbering and trailing parenthesis ("Cải cách thể chế" matches "Cải cách thể chế (xây dựng ...)").
with scores as materialized (
    select
        *,
        {{ fold_text('component_label') }} as label_folded,
        {{ component_core('component_label') }} as label_core_folded
    from {{ ref('int_index_scores__current') }}
),

components as materialized (
    select
        k.index_component_key,
        c.index_code,
        c.year,
        c.component_code,
        c.component_type,
        c.type_order,
        c.max_score,
        c.component_name_folded,
        c.component_core_folded
    from {{ ref('int_index_components') }} as c
    inner join {{ ref('dim_index') }} as k
        on k.index_code = c.index_code
        and k.year = c.year
        and k.component_code = c.component_code
),

candidates as (
    -- 1: the same code (always the case for TOTAL)
    select s.index_code, s.year, s.province_code, s.component_code, c.index_component_key, c.max_score, c.type_order, 1 as how
    from scores as s
    inner join components as c
        on c.index_code = s.index_code and c.year = s.year and c.component_code = s.component_code
    union all
    -- 2: the same folded name
    select s.index_code, s.year, s.province_code, s.component_code, c.index_component_key, c.max_score, c.type_order, 2
    from scores as s
    inner join components as c
        on c.index_code = s.index_code and c.year = s.year and c.component_name_folded = s.label_folded
    where not s.is_total and c.component_type <> 'total'
    union all
    -- 3: the same name once numbering and a trailing parenthesis are set aside
    select s.index_code, s.year, s.province_code, s.component_code, c.index_component_key, c.max_score, c.type_order, 3
    from scores as s
    inner join components as c
        on c.index_code = s.index_code and c.year = s.year and c.component_core_folded = s.label_core_folded
    where not s.is_total and c.component_type <> 'total' and s.label_core_folded <> ''
),

matches as (
    select
        *,
        row_number() over (
            partition by index_code, year, province_code, component_code
            order by how, type_order, index_component_key
        ) as match_rank
    from candidates
)

select
    s.index_code,
    s.year,
    s.province_code,
    p.province_key,
    s.component_code,
    s.component_label,
    s.is_total,
    m.index_component_key,
    s.score,
    coalesce(s.max_score, m.max_score) as max_score,
    {{ pct('s.score', 'coalesce(s.max_score, m.max_score)') }} as score_percent_of_max,
    s.score_source,
    s.self_score,
    -- Positive = the province gave itself more than the appraisal did.
    s.self_score - s.score as self_score_gap,
    s.published_rank,
    s.file_id,
    s.self_file_id
from scores as s
left join matches as m
    on m.index_code = s.index_code
    and m.year = s.year
    and m.province_code = s.province_code
    and m.component_code = s.component_code
    and m.match_rank = 1
left join {{ ref('dim_province') }} as p
    on p.province_code = s.province_code
    and make_date(s.year, 12, 31) between p.valid_from and coalesce(p.valid_to, date 'infinity')
