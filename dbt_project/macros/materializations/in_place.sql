{#- Whether this is a routine build (REFORM_DBT_REFRESH_IN_PLACE=yes, set by
    reform_etl.dbt_selection): it runs only while the project is the one the last full build
    built, so every relation that exists already has the SQL, columns, grants and comments the
    project defines. -#}
{% macro routine_build() -%}
    {{ return(env_var('REFORM_DBT_REFRESH_IN_PLACE', '') == 'yes') }}
{%- endmacro %}

{#- Whether this build may keep the relation that exists and only refresh what it holds. -#}
{% macro refresh_in_place(existing, relation_type) -%}
    {{ return(
        existing is not none
        and existing.type == relation_type
        and not should_full_refresh()
        and routine_build()
    ) }}
{%- endmacro %}
