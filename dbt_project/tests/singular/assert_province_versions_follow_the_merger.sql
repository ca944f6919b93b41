-- dim_province must describe the 2025 merger exactly: 63 units on 2025-06-30, 34 on
-- 2025-07-01 (all of them is_current), and every version that ends names a successor that
-- exists from 2025-07-01. Returns the rules that are broken.
with checks as (
    select
        'units valid on 2025-06-30' as rule,
        count(*) filter (where date '2025-06-30' between valid_from and coalesce(valid_to, date 'infinity')) as actual,
        63 as expected
    from {{ ref('dim_province') }}
    union all
    select
        'units valid on 2025-07-01',
        count(*) filter (where date '2025-07-01' between valid_from and coalesce(valid_to, date 'infinity')),
        34
    from {{ ref('dim_province') }}
    union all
    select 'current units', count(*) filter (where is_current), 34
    from {{ ref('dim_province') }}
    union all
    select
        'ended versions without a current successor',
        count(*) filter (
            where valid_to is not null
                and successor_province_code not in (select province_code from {{ ref('dim_province') }} where is_current)
        ),
        0
    from {{ ref('dim_province') }}
)

select *
from checks
where actual <> expected
