{% snapshot snp_procedure_catalogue %}
{{
    config(
        unique_key='procedure_key',
        strategy='timestamp',
        updated_at='version_started_at',
    )
}}
-- The latest version of every province's procedure. updated_at is the first day of that
-- version's first catalogue period, so a snapshot row opens when the catalogues show a change
-- (not when dbt happened to run) and a build with nothing new changes nothing.
select
    procedure_key,
    province_code,
    procedure_code,
    procedure_name,
    level,
    online_mode,
    on_national_portal,
    first_period_label,
    valid_from::timestamp as version_started_at
from {{ ref('int_procedure_catalogue__versions') }}
where is_latest
{% endsnapshot %}
