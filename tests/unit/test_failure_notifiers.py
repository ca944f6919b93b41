"""Failure alerts go through Airflow's notifier interface; more notifiers are configuration only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk.bases.notifier import BaseNotifier

from reform_etl import airflow_callbacks
from reform_etl.airflow_callbacks import NotifierConfigError, ReformFailureNotifier, default_args

CALLS: list[dict[str, Any]] = []


class RecordingNotifier(BaseNotifier):
    """A notifier named by the setting in these tests, as a chat or mail notifier would be."""

    template_fields = ("channel",)

    def __init__(self, channel: str) -> None:
        super().__init__()
        self.channel = channel

    def notify(self, context: Any) -> None:
        CALLS.append({"channel": self.channel, "task": context["ti"].task_id})


def test_by_default_the_project_notifier_is_the_only_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFORM_FAILURE_NOTIFIERS", raising=False)
    callbacks = default_args()["on_failure_callback"]
    assert [type(c) for c in callbacks] == [ReformFailureNotifier]
    assert isinstance(callbacks[0], BaseNotifier)


def test_the_setting_adds_notifiers_such_as_the_smtp_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    setting = [
        {"class": "airflow.providers.smtp.notifications.smtp.SmtpNotifier", "args": {"to": "ops@example.org"}},
        {"class": f"{__name__}.RecordingNotifier", "args": {"channel": "#cchc-{{ ti.dag_id }}"}},
    ]
    monkeypatch.setenv("REFORM_FAILURE_NOTIFIERS", json.dumps(setting))
    project, smtp, recording = default_args()["on_failure_callback"]
    assert isinstance(project, ReformFailureNotifier)
    assert isinstance(smtp, SmtpNotifier) and smtp.to == "ops@example.org"

    class TI:
        dag_id, task_id = "reform_ingest", "ingest"

    CALLS.clear()
    recording({"ti": TI()})  # what Airflow does with each on_failure_callback
    assert CALLS == [{"channel": "#cchc-reform_ingest", "task": "ingest"}]


@pytest.mark.parametrize(
    "setting",
    [
        [{"class": "no.such.module.Notifier"}],
        [{"class": "json.JSONDecoder"}],  # importable but not a notifier
    ],
)
def test_a_wrong_notifier_fails_loudly(monkeypatch: pytest.MonkeyPatch, setting: list[dict[str, str]]) -> None:
    monkeypatch.setenv("REFORM_FAILURE_NOTIFIERS", json.dumps(setting))
    with pytest.raises(NotifierConfigError):
        default_args()


def test_the_project_notifier_runs_the_failure_handling(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(airflow_callbacks, "task_failed", seen.append)
    context = {"ti": object(), "exception": RuntimeError("boom")}
    ReformFailureNotifier()(context)
    assert seen and seen[0]["exception"].args == ("boom",)
