{{ config(indexes=[{'columns': ['index_code', 'year', 'province_code']}]) }}
-- Ranks computed from the index totals with window functions: competition ranking (1 = best,
-- equal scores share a rank and the next rank skips), nationally and within the region, and
-- how the published rank compares (a publisher's tie-break is agreement, not a difference).
--
-- rank_change = previous_rank - rank (positive = improved). previous_rank is the rank the
-- previous year's scores get once mapped onto this year's units, so both ranks are over the
-- same units: in a year with the same units as the year before it is simply last year's rank;
-- in the merger year (2025, 34 units) each unit's 2024 score is the mean of its predecessors'
-- 2024 scores (index scores are not counts and cannot be summed), ranked among the 34 restated
-- units, and it is null unless every predecessor was scored.
with totals as (
    select index_code, year, province_code, score, published_rank, file_id
    from {{ ref('fct_index_scores') }}
    where is_total
        and score is not null
),

provinces as (
    select * from {{ ref('dim_province') }}
),

located as (
    select
        t.*,
        p.province_key,
        p.region_code
    from totals as t
    left join provinces as p
        on p.province_code = t.province_code
        and make_date(t.year, 12, 31) between p.valid_from and coalesce(p.valid_to, date 'infinity')
),

ranked as (
    select
        *,
        rank() over (partition by index_code, year order by score desc) as national_rank,
        count(*) over (partition by index_code, year) as provinces_ranked,
        -- Provinces sharing this score: a publisher that breaks the tie still prints distinct ranks.
        count(*) over (partition by index_code, year, score) as provinces_tied,
        rank() over (partition by index_code, year, region_code order by score desc) as region_rank,
        count(*) over (partition by index_code, year, region_code) as region_provinces_ranked
    from located
),

-- Each unit valid at the end of year - 1, and the unit it is part of at the end of the year.
unit_map as (
    select
        y.year,
        p.province_code as previous_code,
        case
            when p.valid_to is null or p.valid_to >= make_date(y.year, 12, 31) then p.province_code
            else p.successor_province_code
        end as unit_code
    from (select distinct year from ranked) as y
    inner join provinces as p
        on make_date(y.year - 1, 12, 31) between p.valid_from and coalesce(p.valid_to, date 'infinity')
),

year_basis as (
    select
        year,
        bool_or(previous_code <> unit_code) as units_changed
    from unit_map
    group by year
),

predecessors as (
    select year, unit_code, count(*) as n_predecessors
    from unit_map
    group by year, unit_code
),

previous_scores as (
    select
        m.year,
        r.index_code,
        m.unit_code,
        avg(r.score) as previous_score,
        count(*) as n_scored
    from ranked as r
    inner join unit_map as m
        on m.previous_code = r.province_code
        and m.year = r.year + 1
    group by m.year, r.index_code, m.unit_code
),

previous_ranked as (
    select
        s.year,
        s.index_code,
        s.unit_code,
        rank() over (partition by s.index_code, s.year order by s.previous_score desc) as previous_rank,
        count(*) over (partition by s.index_code, s.year) as previous_provinces_ranked
    from previous_scores as s
    inner join predecessors as n
        on n.year = s.year
        and n.unit_code = s.unit_code
    where s.n_scored = n.n_predecessors
)

select
    r.index_code,
    r.year,
    r.province_code,
    r.province_key,
    r.region_code,
    r.score,
    cast(r.national_rank as integer) as rank,
    cast(r.provinces_ranked as integer) as provinces_ranked,
    cast(r.region_rank as integer) as region_rank,
    cast(r.region_provinces_ranked as integer) as region_provinces_ranked,
    cast(pr.previous_rank as integer) as previous_rank,
    cast(pr.previous_provinces_ranked as integer) as previous_provinces_ranked,
    cast(pr.previous_rank - r.national_rank as integer) as rank_change,
    case
        when pr.previous_rank is null then null
        when yb.units_changed then 'restated_to_current_units'
        else 'same_units'
    end as rank_change_basis,
    cast(r.published_rank as integer) as published_rank,
    -- Scores tied at the printed precision share a computed rank; a publisher that orders them
    -- (PCI 2011: two provinces at 57.62, printed 40th and 41st) agrees with the data as long as
    -- its rank stays within the places the tie occupies.
    r.published_rank between r.national_rank and r.national_rank + r.provinces_tied - 1 as rank_matches_published,
    case
        when r.published_rank is null then null
        when r.published_rank = r.national_rank then 'matches'
        when r.published_rank between r.national_rank and r.national_rank + r.provinces_tied - 1
            then 'tie_broken_by_publisher'
        else 'differs'
    end as rank_agreement,
    r.file_id
from ranked as r
left join previous_ranked as pr
    on pr.index_code = r.index_code
    and pr.year = r.year
    and pr.unit_code = r.province_code
left join year_basis as yb
    on yb.year = r.year
