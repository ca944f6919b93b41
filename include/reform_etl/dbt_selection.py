"""Which part of the dbt project a build needs: everything, only what new deliveries feed, or nothing.

dbt's fixed cost per build (start-up, seeds, ~75 nodes, mostly data tests) dominates a build
after one monthly delivery. So a routine build selects only the models downstream of the raw
tables whose deliveries changed since the last successful build (``source:raw.<kind>+``) and
their tests, without seeds and without unit tests (dbt's advice for production runs).

What "changed" means is read from the warehouse, not from the caller, so the command line,
``reform_pipeline`` and ``reform_transform`` agree, and a build that failed or a file that
committed while dbt ran is simply picked up by the next build:

- each kind's **fingerprint** is a digest of its rows in ``audit.file_ingestions`` (file id,
  status, delivery order, row counts). Every load, supersession, late-found earlier copy or
  backfill of a kind changes it; nothing else can change what a kind's models read, because
  every model reads the audit trail only through its own kind's rows.
- the **project fingerprint** is a digest of every file of the dbt project (models, macros,
  tests, seeds, snapshots, ``dbt_project.yml``, ``selectors.yml``) and of the role dbt works
  as. When it changed, or the warehouse has never been built, the build is full: seeds,
  every model, data tests and unit tests, which then check the logic that was just deployed.

The fingerprints of the last successful build are kept in ``audit.dbt_build_state``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .airflow_dbt import project_files
from .kinds import KINDS
from .warehouse import build_state
from .warehouse.migrate import migrate
from .warehouse.raw_lookups import prepare_file_lookups

PROJECT_SCOPE = "project"


def project_fingerprint(project_dir: Path, *, role: str = "") -> str:
    """A digest of the dbt project's files (names and bytes) and of the role dbt works as."""
    digest = hashlib.sha256(f"role={role}\n".encode())
    for path in project_files(project_dir):
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def kind_scope(kind: str) -> str:
    return f"kind:{kind}"


def kind_selectors(kinds: Iterable[str]) -> list[str]:
    """dbt selectors for the models fed by these kinds' raw tables (and, in a build, their tests)."""
    return [f"source:raw.{kind}+" for kind in sorted(kinds)]


@dataclass(frozen=True)
class BuildPlan:
    """What to build, and the fingerprints to record once that build succeeded."""

    full: bool
    reason: str
    kinds: tuple[str, ...] = ()
    fingerprints: dict[str, str] = field(default_factory=dict)

    @property
    def nothing_to_do(self) -> bool:
        return not self.full and not self.kinds

    @property
    def selectors(self) -> list[str]:
        return [] if self.full else kind_selectors(self.kinds)

    @property
    def kinds_read(self) -> list[str]:
        """The kinds whose raw tables the build reads: all of them in a full build."""
        return sorted(KINDS) if self.full else list(self.kinds)

    def dbt_args(self) -> list[str]:
        """``dbt build`` arguments: the whole project, or the changed kinds' models without unit tests.

        A routine build runs only when the project is the one the last full build built, so
        dbt's JSON artifacts would describe the same project again: it leaves them out
        (``--no-write-json``; writing the manifest twice costs more than half a second). The
        outcomes go to ``audit.dbt_results`` either way. The staging views stay in: excluding
        them would also drop their data tests, which check the changed deliveries' rows.
        """
        if self.full:
            return ["build"]
        return [
            "build",
            "--select",
            *self.selectors,
            "--exclude-resource-type",
            "unit_test",
            "--no-write-json",
        ]

    def dbt_env(self) -> dict[str, str]:
        """Environment for dbt: a routine build refreshes the marts' rows in place and keeps
        the staging views.

        It runs only while the project is the one the last full build built, so the marts'
        tables already have the columns, contract, grants and comments the project defines
        (the ``refreshed_table`` materialization) and the views their SQL (``kept_view``); a
        full build recreates both.
        """
        return {} if self.full else {"REFORM_DBT_REFRESH_IN_PLACE": "yes"}

    def recorded(self) -> dict[str, str]:
        """The fingerprints this build brings up to date: all on a full build, else the kinds built."""
        if self.full:
            return dict(self.fingerprints)
        return {
            scope: value for scope, value in self.fingerprints.items() if scope in {kind_scope(k) for k in self.kinds}
        }


def current_fingerprints(conn: psycopg.Connection, project: str) -> dict[str, str]:
    found = {kind_scope(kind): value for kind, value in build_state.kind_fingerprints(conn).items()}
    # A kind with no delivery yet has a fingerprint too, so its first delivery is a change.
    return {PROJECT_SCOPE: project} | {kind_scope(k): found.get(kind_scope(k), "none") for k in KINDS} | found


def decide(current: dict[str, str], stored: dict[str, str], *, full: bool = False) -> BuildPlan:
    """The build that brings the marts from ``stored`` to ``current`` (pure, so it is easy to test)."""
    if full:
        return BuildPlan(full=True, reason="a full build was asked for", fingerprints=current)
    if PROJECT_SCOPE not in stored:
        return BuildPlan(full=True, reason="the warehouse has not been built yet", fingerprints=current)
    if stored[PROJECT_SCOPE] != current[PROJECT_SCOPE]:
        return BuildPlan(full=True, reason="the dbt project or dbt's role changed", fingerprints=current)
    changed = tuple(
        sorted(
            scope.split(":", 1)[1]
            for scope, value in current.items()
            if scope.startswith("kind:") and stored.get(scope) != value
        )
    )
    # A kind the project has no raw source for (an unknown kind in the audit trail) forces a full build.
    unknown = [k for k in changed if k not in KINDS]
    if unknown:
        return BuildPlan(full=True, reason=f"deliveries of unknown kind(s) {unknown}", fingerprints=current)
    reason = f"new or changed deliveries of {', '.join(changed)}" if changed else "no delivery changed"
    return BuildPlan(full=False, reason=reason, kinds=changed, fingerprints=current)


def plan_build(url: str, project_dir: Path, *, role: str = "", full: bool = False) -> BuildPlan:
    """Compare the warehouse's deliveries and the project with the last successful build.

    Both build paths (``transform.build`` and ``reform_transform``'s planning task) start here,
    as the warehouse's login user, so this is also where the raw tables the build will read
    get their file_id lookups ready (``raw_lookups``).
    """
    project = project_fingerprint(project_dir, role=role)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn)  # a warehouse from before the state table gets it here
        plan = decide(current_fingerprints(conn, project), build_state.stored(conn), full=full)
        if not plan.nothing_to_do:
            prepare_file_lookups(conn, plan.kinds_read)
        return plan


def record_build(url: str, plan: BuildPlan, *, run_id: str | None) -> None:
    """Remember what a successful build brought up to date."""
    values: Sequence[tuple[str, str, str | None]] = [(s, f, run_id) for s, f in plan.recorded().items()]
    if not values:
        return
    with psycopg.connect(url) as conn:
        build_state.record(conn, values)
        conn.commit()
