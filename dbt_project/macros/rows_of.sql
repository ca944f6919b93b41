{#- The rows a query returns when the model runs (a list of tuples; [] while parsing). For
    values the planner should see as literals: a join against the same rows computed in SQL
    is estimated from the joined column's distinct count, which is 1 when a table holds one
    month, and then PostgreSQL scans the whole table instead of using its index. Unit tests
    override this macro with the rows (they cannot run introspective queries). -#}
{% macro rows_of(sql) -%}
    {%- if execute -%}
        {{ return(run_query(sql).rows | list) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{%- endmacro %}

{#- Rows as SQL row literals, `('40'::text, '2025-03-01'::date), ...`, one type per column. -#}
{% macro literal_rows(rows, types) -%}
    {%- for row in rows -%}
        ({%- for value in row -%}
            {%- if value is none -%}null{%- else -%}'{{ value | string | replace("'", "''") }}'{%- endif -%}::{{ types[loop.index0] }}
            {%- if not loop.last %}, {% endif -%}
        {%- endfor -%}){%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
{%- endmacro %}
