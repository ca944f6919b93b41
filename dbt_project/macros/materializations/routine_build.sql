{#- What a routine build may leave as it is.

    A routine build (REFORM_DBT_REFRESH_IN_PLACE=yes, set by reform_etl.dbt_selection) runs
    only while the project is the one the last full build built. So a relation that exists
    already has the SQL, columns, grants and comments the project defines: the build refreshes
    what it holds and spends no statement (and no table lock) on the rest. -#}
{% macro routine_build() -%}
    {{ return(env_var('REFORM_DBT_REFRESH_IN_PLACE', '') == 'yes') }}
{%- endmacro %}

{#- Whether the existing relation can be kept and refreshed in place (refreshed_table, kept_view). -#}
{% macro refresh_in_place(existing, relation_type) -%}
    {{ return(
        existing is not none
        and existing.type == relation_type
        and not should_full_refresh()
        and routine_build()
    ) }}
{%- endmacro %}

{#- An incremental model's table outlives the build, and so do the comments the last full build
    wrote on it; COMMENT ON would also wait behind autovacuum on a ten-million-row table. -#}
{% macro postgres__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- if not (routine_build() and model.config.materialized == 'incremental' and is_incremental()) -%}
        {{ dbt.default__persist_docs(relation, model, for_relation, for_columns) }}
    {%- endif -%}
{%- endmacro %}

{#- Columns change only with the project, that is in a full build. -#}
{% macro postgres__process_schema_changes(on_schema_change, source_relation, target_relation) -%}
    {%- if routine_build() -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(dbt.default__process_schema_changes(on_schema_change, source_relation, target_relation)) }}
{%- endmacro %}
