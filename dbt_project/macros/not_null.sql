{#- Make columns NOT NULL, taking the table's exclusive lock only when one of them is not yet.
    ALTER TABLE ... SET NOT NULL is a no-op once set, but it still waits for that lock on every
    build, behind autovacuum if it is working on the table (until deadlock_timeout cancels it). -#}
{% macro ensure_not_null(relation, columns) -%}
    do $not_null$
    begin
        if exists (
            select from pg_attribute as a
            inner join pg_class as c on c.oid = a.attrelid
            inner join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = '{{ relation.schema }}' and c.relname = '{{ relation.identifier }}'
                and a.attname in ('{{ columns | join("', '") }}') and not a.attnotnull
        ) then
            alter table {{ relation }}
            {%- for column in columns %} alter column {{ column }} set not null{{ "," if not loop.last }}{% endfor %};
        end if;
    end
    $not_null$
{%- endmacro %}
