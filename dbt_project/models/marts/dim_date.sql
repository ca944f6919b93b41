-- One row per calendar day, with the labels the reporting periods use.
with days as (
    select day::date as date_day
    from generate_series(
        make_date({{ var('calendar_first_year') }}, 1, 1),
        make_date({{ var('calendar_last_year') }}, 12, 31),
        interval '1 day'
    ) as day
)

select
    date_day,
    cast(to_char(date_day, 'YYYYMMDD') as integer) as date_key,
    cast(extract(year from date_day) as integer) as year,
    cast(case when extract(month from date_day) <= 6 then 1 else 2 end as integer) as half,
    cast(extract(quarter from date_day) as integer) as quarter,
    cast(extract(month from date_day) as integer) as month,
    to_char(date_day, 'YYYY') || '-H' || case when extract(month from date_day) <= 6 then '1' else '2' end as half_label,
    to_char(date_day, 'YYYY') || '-Q' || to_char(date_day, 'Q') as quarter_label,
    to_char(date_day, 'YYYY-MM') as month_label,
    cast(extract(isodow from date_day) as integer) as iso_day_of_week,
    extract(isodow from date_day) >= 6 as is_weekend,
    date_day >= {{ merger_date() }} as is_after_merger
from days
