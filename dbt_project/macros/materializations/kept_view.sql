{#- A staging view that a routine build keeps as it is.

    A view shows its tables' rows as they are now, so new deliveries never require writing it
    again; only a change of its SQL does, and a routine build runs only while the project is
    the one the last full build built (reform_etl.dbt_selection). The node still runs, so its
    data tests still check the new deliveries' rows. Every other build (full, --full-refresh,
    a missing view, the Airflow tasks) takes dbt's view materialization unchanged. -#}
{% materialization kept_view, adapter='postgres' %}
    {%- set existing = load_cached_relation(this) -%}
    {%- if not refresh_in_place(existing, 'view') -%}
        {{ return(dbt.materialization_view_default()) }}
    {%- endif -%}
    {% call noop_statement('main', 'KEPT') -%}
        -- kept: {{ existing }}
    {%- endcall %}
    {{ return({'relations': [existing]}) }}
{% endmaterialization %}
