# The project's Airflow image: the official Airflow 3 image (same version as the pin in
# requirements.txt) plus the reform_etl package and what it needs to run, the DAGs, the dbt project
# and the Great Expectations context. One image serves every Airflow component.
FROM apache/airflow:3.3.2-python3.11

USER root
# Folders the named volumes are created from, owned by the airflow user so that a fresh
# volume is writable by it.
RUN mkdir -p /data/landing /data/archive /data/reports /data/state \
    && chown -R airflow:root /data
USER airflow

# The package with its runtime dependencies only (no test or lint tools), each at the
# version of the tested lock: requirements.txt serves as constraints, not as the list.
COPY --chown=airflow:root requirements.txt /opt/reform/requirements.txt
COPY --chown=airflow:root pyproject.toml README.md /opt/reform/
COPY --chown=airflow:root include /opt/reform/include
RUN pip install --no-cache-dir -c /opt/reform/requirements.txt /opt/reform
# The front-end files GX's Data Docs load (npm registry, pinned and checked); a build without
# network still succeeds, and the Data Docs fall back to plain pages.
RUN python -m reform_etl.dq_report.vendor || echo "warning: Data Docs front-end files not fetched"

COPY --chown=airflow:root dags /opt/reform/dags
# dbt_project/reference is a link to ../include/reform_etl/reference (the seeds the package
# also reads), which COPY keeps as a link and /opt/reform/include above resolves.
COPY --chown=airflow:root dbt_project /opt/reform/dbt_project
COPY --chown=airflow:root expectations /opt/reform/expectations
COPY --chown=airflow:root docker /opt/reform/docker

ENV REFORM_PROJECT_ROOT=/opt/reform \
    REFORM_DBT_MANIFEST=/opt/reform/dbt_manifest/manifest.json \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/reform/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    GX_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1 \
    SCARF_ANALYTICS=false

# The manifest Cosmos renders reform_transform from (`dbt parse`, no database needed), built
# once here so that no component ever runs dbt to parse a DAG.
RUN python -c "from reform_etl.airflow_dbt import build_manifest; build_manifest()"
