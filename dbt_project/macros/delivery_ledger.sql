{#- The ledger of deliveries an incremental model has consumed, and the batches it wrote.

    Loads commit in any order (a file that started first may commit after a later one), so
    "file_id above the highest one seen" would skip a file that commits after a build has
    seen a higher one. Instead each incremental model keeps the deliveries it has read in
    <model>__consumed (file_id and its delivery_key then); a run reads those not in it.

    The set a run consumes is fixed once, when the model is compiled: it is written to a
    temporary table, the model reads exactly those files (as literals, so the planner uses
    raw's file_id index), and the model's post-hook copies the same set into the ledger in the
    model's own transaction. A file that commits during the run is simply left for the next.

    A delivery whose place in the delivery order changed since it was consumed (an earlier
    copy of its bytes turned up) or that left the warehouse (a backfill re-loaded it) makes
    the run a rebuild: every delivery is read again and dossiers without any version left
    are dropped. Unit tests override these macros (they cannot run queries). -#}

{% macro ledger_relation(model, suffix) -%}
    {{- return(api.Relation.create(database=model.database, schema=model.schema, identifier=model.identifier ~ suffix)) -}}
{%- endmacro %}

{#- Creates the model's ledger, batch log and batch sequence when missing (idempotent). The
    schema exists by then: dbt creates it before any model runs (and the loader's bootstrap
    creates it for a transformer without CREATE on the database). -#}
{% macro ensure_ledger(model) -%}
    {%- if execute -%}
        {%- do run_query(
            'create table if not exists ' ~ ledger_relation(model, '__consumed')
            ~ ' (file_id bigint primary key, delivery_key text collate "C" not null, batch bigint not null);'
            ~ ' create table if not exists ' ~ ledger_relation(model, '__batches')
            ~ ' (batch bigint primary key, rebuilt boolean not null, files integer not null,'
            ~ ' built_at timestamptz not null default now());'
            ~ ' create sequence if not exists ' ~ ledger_relation(model, '__batch_seq')
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- What this run of ``model`` does, fixed once when the model is compiled:
    {'rebuild': bool, 'batch': n, 'deliveries': [(file_id, delivery_key), ...], 'alone': [file_id, ...]}.
    rebuild: read every delivery of ``kind`` that has rows (a full build, or a delivery moved
    or left since it was consumed); otherwise only those not in the ledger. alone: in a
    rebuild, the deliveries that share no key with another (files_alone); empty otherwise.
    The same facts go to temporary tables for the post-hook (record_consumed), which cannot
    see the model's variables. -#}
{% macro plan_increment(model, kind) -%}
    {%- if not execute -%}{{ return({'rebuild': true, 'batch': 0, 'deliveries': []}) }}{%- endif -%}
    {%- do ensure_ledger(model) -%}
    {%- set consumed = ledger_relation(model, '__consumed') -%}
    {%- set deliveries = ref('stg_audit__file_ingestions') -%}
    {%- set rebuild = not is_incremental() -%}
    {%- if not rebuild -%}
        {#- an empty ledger beside a table that exists: a warehouse from before the ledger -#}
        {%- set moved = run_query(
            'select 1 from ' ~ consumed ~ ' as c where not exists ('
            ~ ' select 1 from ' ~ deliveries ~ ' as f where f.file_id = c.file_id'
            ~ ' and f.has_rows and f.delivery_key = c.delivery_key)'
            ~ ' union all select 1 where not exists (select 1 from ' ~ consumed ~ ') limit 1'
        ) -%}
        {%- set rebuild = moved.rows | length > 0 -%}
    {%- endif -%}
    {%- set batch = run_query(
        "select nextval('" ~ ledger_relation(model, '__batch_seq') ~ "'::regclass)"
    ).columns[0].values()[0] | int -%}
    {%- set consuming = adapter.quote(model.identifier ~ '__consuming') -%}
    {%- set run = adapter.quote(model.identifier ~ '__run') -%}
    {%- do run_query(
        'drop table if exists pg_temp.' ~ consuming ~ ', pg_temp.' ~ run ~ ';'
        ~ ' create temporary table ' ~ run ~ ' as select ' ~ batch ~ '::bigint as batch, ' ~ rebuild ~ ' as rebuilt;'
        ~ ' create temporary table ' ~ consuming ~ ' as'
        ~ ' select f.file_id, f.delivery_key from ' ~ deliveries ~ ' as f'
        ~ " where f.kind = '" ~ kind ~ "' and f.has_rows"
        ~ ('' if rebuild else ' and not exists (select 1 from ' ~ consumed ~ ' as c where c.file_id = f.file_id)')
    ) -%}
    {%- set rows = run_query('select file_id, delivery_key from pg_temp.' ~ consuming ~ ' order by file_id').rows -%}
    {%- set alone = files_alone(consuming) if rebuild and rows | length > 0 else [] -%}
    {{- return({'rebuild': rebuild, 'batch': batch, 'deliveries': rows | list, 'alone': alone}) -}}
{%- endmacro %}

{#- Of the deliveries in the temporary table ``consuming``, those that share no key with any
    other: in each of their provinces, their key range (audit.file_key_ranges, recorded by
    the load) meets no other delivery's range. A key repeated within a file never reaches raw
    (the load rejects the repeat), so every row of such a file is the current version of its
    key, with nothing to rank. One delivery without a range (loaded before ranges were kept)
    could hold any key, so then no file counts as alone. -#}
{% macro files_alone(consuming) -%}
    {%- set ranges = source('audit', 'file_key_ranges') -%}
    {%- set found = run_query(
        'with planned as (select file_id from pg_temp.' ~ consuming ~ '),'
        ~ ' ranged as (select r.file_id, r.province_code, r.min_key, r.max_key'
        ~ ' from ' ~ ranges ~ ' as r inner join planned as p on p.file_id = r.file_id)'
        ~ ' select p.file_id from planned as p'
        ~ ' where not exists (select 1 from planned as u where not exists (select 1 from ranged as r where r.file_id = u.file_id))'
        ~ ' and not exists (select 1 from ranged as a inner join ranged as b'
        ~ ' on b.province_code = a.province_code and b.file_id <> a.file_id'
        ~ ' and b.min_key <= a.max_key and b.max_key >= a.min_key where a.file_id = p.file_id)'
        ~ ' order by p.file_id'
    ) -%}
    {{- return(found.columns[0].values() | map('int') | list) -}}
{%- endmacro %}

{#- Post-hook: the set read by this run goes into the ledger with the run's batch, in the
    model's transaction; a rebuild replaces the whole ledger. The batch is logged (with
    whether it rebuilt everything) for the models downstream, which follow batches; a run
    that read nothing leaves no trace, so a build with nothing new changes no table. -#}
{% macro record_consumed(model) -%}
    {%- set consuming = 'pg_temp.' ~ adapter.quote(model.identifier ~ '__consuming') -%}
    {%- set run = 'pg_temp.' ~ adapter.quote(model.identifier ~ '__run') -%}
    delete from {{ ledger_relation(model, '__consumed') }} where (select rebuilt from {{ run }});
    insert into {{ ledger_relation(model, '__consumed') }} (file_id, delivery_key, batch)
    select c.file_id, c.delivery_key, r.batch from {{ consuming }} as c cross join {{ run }} as r
    on conflict (file_id) do update set delivery_key = excluded.delivery_key, batch = excluded.batch;
    insert into {{ ledger_relation(model, '__batches') }} (batch, rebuilt, files)
    select r.batch, r.rebuilt, (select count(*) from {{ consuming }}) from {{ run }} as r
    where r.rebuilt or exists (select 1 from {{ consuming }});
{%- endmacro %}

{#- Batches of ``upstream`` (a model planned with plan_increment) not yet followed by
    ``model``: {'batch': the newest, 'rebuilt': whether any of them rebuilt everything}.
    ``model`` keeps the newest batch it followed in its own __batches log. -#}
{% macro batches_since(model, upstream) -%}
    {%- if not execute -%}{{ return({'batch': 0, 'followed': 0, 'rebuilt': true}) }}{%- endif -%}
    {%- do ensure_ledger(model) -%}
    {%- do ensure_ledger(upstream) -%}
    {%- set followed = 0 -%}
    {%- if is_incremental() -%}
        {%- set followed = run_query(
            'select coalesce(max(batch), 0) from ' ~ ledger_relation(model, '__batches')
        ).columns[0].values()[0] | int -%}
    {%- endif -%}
    {%- set found = run_query(
        'select coalesce(max(batch), 0), coalesce(bool_or(rebuilt), false) from '
        ~ ledger_relation(upstream, '__batches') ~ ' where batch > ' ~ followed
    ).rows[0] -%}
    {%- set run = adapter.quote(model.identifier ~ '__run') -%}
    {%- do run_query(
        'drop table if exists pg_temp.' ~ run ~ ';'
        ~ ' create temporary table ' ~ run ~ ' as select ' ~ (found[0] | int) ~ '::bigint as batch, '
        ~ (found[1] or not is_incremental()) ~ ' as rebuilt, ' ~ followed ~ '::bigint as followed'
    ) -%}
    {{- return({'batch': found[0] | int, 'followed': followed, 'rebuilt': found[1] or not is_incremental()}) -}}
{%- endmacro %}

{#- Post-hook of a model following batches: remember the newest one it has followed. -#}
{% macro record_followed(model) -%}
    {%- set run = 'pg_temp.' ~ adapter.quote(model.identifier ~ '__run') -%}
    insert into {{ ledger_relation(model, '__batches') }} (batch, rebuilt, files)
    select r.batch, r.rebuilt, 0 from {{ run }} as r where r.batch > r.followed
    on conflict (batch) do nothing;
{%- endmacro %}
