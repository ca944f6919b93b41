{#- Grant only to roles that exist. reform_etl.warehouse.bootstrap creates the roles when its
    user may (CREATEROLE); on a warehouse where it may not, dbt must still build, so a missing
    role is skipped instead of failing the model. -#}
{% macro postgres__get_grant_sql(relation, privilege, grantees) -%}
    do $grant$
    begin
    {%- for grantee in grantees %}
        if exists (select from pg_roles where rolname = '{{ grantee }}') then
            execute 'grant {{ privilege }} on {{ relation.render() }} to {{ adapter.quote(grantee) }}';
        end if;
    {%- endfor %}
    end
    $grant$
{%- endmacro %}
