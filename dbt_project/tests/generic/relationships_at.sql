{#- Every row points at a version of an SCD2 dimension valid on its date: the key exists and
    the date falls within [valid_from, valid_to]. Rows with a null key are not checked. -#}
{% test relationships_at(model, column_name, to, field, date_expression, valid_from='valid_from', valid_to='valid_to') %}
select child.{{ column_name }} as unmatched_key, {{ date_expression }} as on_date
from {{ model }} as child
where child.{{ column_name }} is not null
    and not exists (
        select 1
        from {{ to }} as parent
        where parent.{{ field }} = child.{{ column_name }}
            and {{ date_expression }} between parent.{{ valid_from }} and coalesce(parent.{{ valid_to }}, date 'infinity')
    )
{% endtest %}
