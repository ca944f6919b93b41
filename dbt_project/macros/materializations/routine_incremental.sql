{#- What a routine build (macro routine_build) leaves alone on an incremental model's table.

    The incremental models' tables outlive every build, so their columns and comments are
    already the ones the project defines. Comparing the columns again and rewriting every
    comment (four catalogue queries between them) would change nothing, and both models sit
    on the routine build's critical path. -#}
{% macro routine_incremental_run() -%}
    {{ return(
        routine_build()
        and model.config.materialized == 'incremental'
        and is_incremental()
    ) }}
{%- endmacro %}

{% macro postgres__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- if not routine_incremental_run() -%}
        {{ dbt.default__persist_docs(relation, model, for_relation, for_columns) }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__process_schema_changes(on_schema_change, source_relation, target_relation) -%}
    {%- if routine_incremental_run() -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(dbt.default__process_schema_changes(on_schema_change, source_relation, target_relation)) }}
{%- endmacro %}
