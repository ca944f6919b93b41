{#- A part never exceeds its whole (received_online <= received, rank <= provinces_ranked).
    Rows where either side is null are not checked. -#}
{% test at_most(model, column_name, other) %}
select {{ column_name }} as bad_value, {{ other }} as limit_value
from {{ model }}
where {{ column_name }} > {{ other }}
{% endtest %}
