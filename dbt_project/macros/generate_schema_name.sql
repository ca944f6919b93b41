{#- Use the folder's schema name as is (marts, staging, reference) instead of dbt's
    default "<target schema>_<custom schema>", because these names are a public interface. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
