{#- The highest delivery (file_id) an incremental table already holds, as a number literal
    (0 when it holds none), read with a query when the model runs. A literal lets PostgreSQL
    plan `file_id > 41` with raw's file_id index; `file_id > (select max(file_id) ...)` is
    estimated at a third of the table, so the planner reads all of raw on every run.
    Unit tests override this macro with a number (they cannot run introspective queries). -#}
{% macro highest_file_id(relation) -%}
    {%- if execute -%}
        {%- set result = run_query('select coalesce(max(file_id), 0) from ' ~ relation) -%}
        {{- result.columns[0].values()[0] | int -}}
    {%- else -%}
        0
    {%- endif -%}
{%- endmacro %}
