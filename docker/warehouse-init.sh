#!/bin/sh
# Runs once, when the warehouse volume is first initialised (docker-entrypoint-initdb.d).
# bi_reader is the read-only role BI tools use. The project creates it NOLOGIN when it is
# missing (reform_etl.warehouse.bootstrap) and dbt grants it SELECT on the marts; here it
# gets a password so that Metabase can log in as it.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v bi_password="${BI_READER_PASSWORD:?set BI_READER_PASSWORD}" <<'SQL'
select format('create role bi_reader login password %L', :'bi_password')
where not exists (select from pg_roles where rolname = 'bi_reader')
\gexec
alter role bi_reader login password :'bi_password';
create schema if not exists marts;
create schema if not exists audit;
grant usage on schema marts, audit to bi_reader;
alter default privileges in schema marts grant select on tables to bi_reader;
alter default privileges in schema audit grant select on tables to bi_reader;
SQL
