{#- The grain of a table: no two rows share these columns. Written here because dbt
    packages cannot be installed without the package hub. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
