{#- A rate must be a percentage between 0 and 100 (nulls allowed: no denominator). -#}
{% test percentage(model, column_name) %}
select {{ column_name }} as bad_value
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 100
{% endtest %}
