-- Components of each index with their max points, one row per index, year and component,
-- from the reference structures. Years after the last one the reference documents reuse
-- that year's structure (is_carried_forward); every index gets a TOTAL row every year from
-- its first publication with the scale of its total.
with catalogue as (
    select * from {{ ref('stg_reference__index_catalogue') }}
),

years as (
    select generate_series({{ var('calendar_first_year') }}, {{ var('calendar_last_year') }}) as year
),

par_documented as (
    select
        p.index_code,
        y.year,
        p.component_code,
        p.component_name,
        p.component_type,
        p.component_no,
        null::text as parent_component_code,
        case when y.year between p.points_from_year and p.points_to_year then p.max_points end as max_score,
        p.framework_decision as framework,
        false as is_carried_forward
    from {{ ref('stg_reference__par_index_structure') }} as p
    inner join years as y on y.year between p.from_year and p.to_year
),

par_carried as (
    select
        d.index_code,
        y.year,
        d.component_code,
        d.component_name,
        d.component_type,
        d.component_no,
        d.parent_component_code,
        d.max_score,
        d.framework,
        true as is_carried_forward
    from par_documented as d
    inner join catalogue as c on c.index_code = d.index_code
    inner join years as y on y.year > c.structure_documented_to
    where d.year = c.structure_documented_to
),

sipas as (
    select
        s.index_code,
        y.year,
        s.component_code,
        s.component_name,
        s.component_type,
        s.component_no,
        null::text as parent_component_code,
        null::numeric as max_score,
        'Quyết định 2640/QĐ-BNV (Đề án đo lường sự hài lòng)'::text as framework,
        y.year > c.structure_documented_to as is_carried_forward
    from {{ ref('stg_reference__sipas_structure') }} as s
    inner join catalogue as c on c.index_code = s.index_code
    inner join years as y on y.year >= c.first_year
    where s.is_component
),

si766 as (
    select
        s.index_code,
        y.year,
        s.component_code,
        s.component_name,
        s.component_type,
        s.component_no,
        s.parent_component_code,
        s.max_points as max_score,
        'Quyết định 766/QĐ-TTg (23/6/2022)'::text as framework,
        y.year > coalesce(c.structure_documented_to, 9999) as is_carried_forward
    from {{ ref('stg_reference__service_index_766_structure') }} as s
    inner join catalogue as c on c.index_code = s.index_code
    inner join years as y on y.year >= c.first_year
),

totals as (
    select
        c.index_code,
        y.year,
        'TOTAL'::text as component_code,
        'Tổng điểm'::text as component_name,
        'total'::text as component_type,
        null::text as component_no,
        null::text as parent_component_code,
        c.scale_max as max_score,
        null::text as framework,
        false as is_carried_forward
    from catalogue as c
    inner join years as y on y.year >= c.first_year
),

candidates as (
    select *, 1 as priority from par_documented
    union all
    select *, 2 as priority from par_carried
    union all
    select *, 1 as priority from sipas
    union all
    select *, 1 as priority from si766
    union all
    select *, 3 as priority from totals
),

deduplicated as (
    select
        *,
        row_number() over (
            partition by index_code, year, component_code
            order by priority, component_no nulls last
        ) as candidate_rank
    from candidates
)

select
    d.index_code,
    c.index_name_vi as index_name,
    d.year,
    d.component_code,
    d.component_name,
    d.component_type,
    d.component_no,
    d.parent_component_code,
    d.max_score,
    c.scale_max,
    d.framework,
    d.is_carried_forward,
    {{ fold_text('d.component_name') }} as component_name_folded,
    {{ component_core('d.component_name') }} as component_core_folded,
    case d.component_type
        when 'total' then 0
        when 'field' then 1
        when 'element' then 1
        when 'group' then 1
        when 'block' then 2
        else 3
    end as type_order
from deduplicated as d
inner join catalogue as c on c.index_code = d.index_code
where d.candidate_rank = 1
