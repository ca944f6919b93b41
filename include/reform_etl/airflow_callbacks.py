"""Shared task defaults for every DAG: retries with exponential back-off and failure notifiers.

Failures go through Airflow's notifier interface (``BaseNotifier``). When a task has used up
its retries, :class:`ReformFailureNotifier` (that is, :func:`task_failed`)

1. writes one line starting ``REFORM TASK FAILED`` to the task log (what, where, why);
2. keeps a row in ``audit.task_failures`` in the warehouse (a migration creates it), so
   failures are queryable next to the data they concern, and marks the pipeline run failed;
3. posts the same facts as JSON to the webhook named by ``REFORM_ALERT_WEBHOOK_URL``
   (Slack, Mattermost, Teams or a mail gateway all accept a ``text`` field) -- only when
   that variable is set. Nothing is sent anywhere otherwise.

A broken warehouse or webhook never hides the original failure: each step logs its own
problem and carries on.

More notifiers (mail, chat) are configuration, not code: ``REFORM_FAILURE_NOTIFIERS`` names
``BaseNotifier`` classes and their arguments, for example the SMTP provider's
``SmtpNotifier`` (see docs/airflow.md); each is added next to ours in every DAG's
``on_failure_callback``.
"""

from __future__ import annotations

import importlib
import json
import logging
import urllib.request
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow.sdk.bases.notifier import BaseNotifier

from .config import settings

log = logging.getLogger("airflow.task")

WEBHOOK_ENV = "REFORM_ALERT_WEBHOOK_URL"


def _facts(context: Mapping[str, Any]) -> dict[str, Any]:
    ti = context.get("ti") or context.get("task_instance")
    error = context.get("exception")
    facts = {
        "dag_id": getattr(ti, "dag_id", None) or "?",
        "task_id": getattr(ti, "task_id", None) or "?",
        "map_index": getattr(ti, "map_index", -1) if getattr(ti, "map_index", None) is not None else -1,
        "run_id": getattr(ti, "run_id", None) or str(context.get("run_id") or "?"),
        "try_number": getattr(ti, "try_number", None),
        "hostname": getattr(ti, "hostname", None),
        "error_type": type(error).__name__ if error is not None else None,
        "error": str(error)[:4000] if error is not None else None,
        "log_url": None,
    }
    try:
        facts["log_url"] = getattr(ti, "log_url", None)
    except Exception:  # noqa: BLE001 - the URL needs config a bare test context may lack
        facts["log_url"] = None
    return facts


def failure_line(facts: Mapping[str, Any]) -> str:
    where = f"{facts['dag_id']}.{facts['task_id']}"
    if facts["map_index"] not in (None, -1):
        where += f"[{facts['map_index']}]"
    why = f"{facts['error_type']}: {facts['error']}" if facts["error_type"] else "no exception recorded"
    return f"REFORM TASK FAILED {where} run={facts['run_id']} try={facts['try_number']}: {why}"


def record_failure(url: str, facts: Mapping[str, Any]) -> None:
    """Insert the failure into ``audit.task_failures`` and mark the pipeline run failed."""
    from . import warehouse

    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)  # audit.task_failures, when the failure is the first thing to reach the warehouse
        with conn.transaction():
            warehouse.audit.record_task_failure(conn, facts)
            warehouse.audit.fail_running_run(conn, f"airflow-{facts['run_id']}", failure_line(facts)[:2000])


def notify(facts: Mapping[str, Any], line: str) -> bool:
    """POST the failure to ``REFORM_ALERT_WEBHOOK_URL``; False (and no call) when it is unset."""
    secret = settings().alert_webhook_url
    if secret is None:
        return False
    target = secret.get_secret_value().strip()
    body = json.dumps({"text": line, **facts}, default=str).encode()
    request = urllib.request.Request(target, data=body, headers={"Content-Type": "application/json"}, method="POST")  # noqa: S310 - the operator chose the URL
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the operator chose the URL
        response.read()
    return True


def task_failed(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` of every task: log line, audit row, optional webhook."""
    facts = _facts(context)
    line = failure_line(facts)
    log.error(line)
    try:
        from .airflow_connection import connection_warehouse_url

        record_failure(connection_warehouse_url(), facts)
    except Exception as exc:  # noqa: BLE001 - a failure callback that raises hides the task's own error
        log.warning("could not record the failure in audit.task_failures: %s", exc)
    try:
        notify(facts, line)
    except Exception as exc:  # noqa: BLE001 - a failing webhook must not hide the task's own error
        log.warning("could not post the failure to %s: %s", WEBHOOK_ENV, exc)


class ReformFailureNotifier(BaseNotifier):
    """The project's own failure notifier: log line, ``audit.task_failures`` row, optional webhook."""

    def notify(self, context: Any) -> None:
        task_failed(context)


class NotifierConfigError(ValueError):
    pass


def extra_notifiers() -> list[BaseNotifier]:
    """The notifiers ``REFORM_FAILURE_NOTIFIERS`` names, built once per DAG parse.

    A wrong entry fails the DAG's import (shown in the UI) rather than silently sending no alert.
    """
    built: list[BaseNotifier] = []
    for spec in settings().failure_notifiers:
        path = str(spec.get("class", ""))
        module_name, _, class_name = path.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError) as exc:
            raise NotifierConfigError(f"REFORM_FAILURE_NOTIFIERS: cannot import {path!r}: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, BaseNotifier)):
            raise NotifierConfigError(f"REFORM_FAILURE_NOTIFIERS: {path!r} is not a BaseNotifier")
        built.append(cls(**dict(spec.get("args") or {})))
    return built


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults for the project's DAGs; ``REFORM_TASK_RETRIES`` changes the retry count."""
    args: dict[str, Any] = {
        "owner": "cchc-data",
        "retries": settings().task_retries,
        # 30 s, 60 s, 120 s ... at most 10 min: rides out a database restart or failover
        # without hammering it.
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
        "on_failure_callback": [ReformFailureNotifier(), *extra_notifiers()],
    }
    args.update(overrides)
    return args
