{#- A mart table that a routine build refreshes in place.

    dbt's table materialization creates a new table, checks the contract, renames, grants,
    comments every column and drops the old one: about ten statements and most of a mart's
    time in a build after one delivery. A routine build runs only while the project is the one
    the last full build built (reform_etl.dbt_selection), so the table, its contract, grants
    and comments are already as the project defines them; it then replaces the rows in one
    transaction (readers see the old rows until it commits, where a rename would lock them
    out). Every other build (full, --full-refresh, a missing table, the Airflow tasks) takes
    dbt's table materialization unchanged. -#}
{% materialization refreshed_table, adapter='postgres' %}
    {%- set existing = load_cached_relation(this) -%}
    {%- if not refresh_in_place(existing, 'table') -%}
        {{ return(dbt.materialization_table_default()) }}
    {%- endif -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {#- Two builds at once (the command line beside Airflow) would each delete the rows they
        see and insert theirs, and the mart would hold both; the lock queues the second behind
        the first (each statement then sees what the first committed). Readers are not
        blocked. -#}
    {% call statement('main') -%}
        lock table {{ existing }} in share row exclusive mode;
        delete from {{ existing }};
        insert into {{ existing }} ({{ adapter.dispatch('get_column_names', 'dbt')() }})
        {{ get_select_subquery(sql) }}
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [existing]}) }}
{% endmaterialization %}
