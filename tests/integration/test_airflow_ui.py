"""The Airflow UI as a user sees it: log in with a real browser and find reform_ingest's last run.

The test runs reform_ingest once (`airflow dags test`), starts an api-server on 127.0.0.1
with the simple auth manager and a known admin password, then drives headless Chromium
over the DevTools protocol: the login form is filled in like a person would, then the DAG
page and its runs list must show reform_ingest, its docs and the successful run. A
screenshot goes to docs/images/airflow-ui.png.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from reform_etl.airflow_local import (
    airflow_command,
    airflow_env,
    api_server_env,
    ensure_metadata,
    free_port,
    spawn,
    stop,
)
from reform_etl.config import settings
from tests.support import DevTools, devtools_browser, sign_in_to_airflow, write_landing

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCREENSHOT = settings().project_root / "docs" / "images" / "airflow-ui.png"


def _chromium() -> str:
    # The session fixture would do, but this test starts its browser with its own flags.
    from tests.support import find_browser, install_browser

    found = find_browser() or (install_browser() and find_browser())
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but Chromium could not be installed")
    pytest.skip("headless Chromium is not available; install the Debian package `chromium`")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    with devtools_browser(_chromium(), tmp_path) as tools:
        yield tools


def _wait_http(url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def test_ui_login_shows_reform_ingest_and_its_successful_run(warehouse_url, landing, tmp_path, browser):
    write_landing(landing, count=2)
    port = free_port()
    password = secrets.token_urlsafe(12)
    env = airflow_env(warehouse_url) | {"AIRFLOW_HOME": str(tmp_path / "airflow"), "REFORM_TASK_RETRIES": "0"}
    env = api_server_env(env, port=port, admin_password=password, jwt_secret=secrets.token_urlsafe(32))
    ensure_metadata(env)
    run = subprocess.run(
        [airflow_command(), "dags", "test", "reform_ingest", "--conf", json.dumps({"landing": str(landing)})],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=settings().project_root,
    )
    assert run.returncode == 0 and "state=success" in run.stdout + run.stderr, run.stdout[-3000:] + run.stderr[-3000:]

    log = tmp_path / "api-server.log"
    server = spawn([airflow_command(), "api-server", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/v2/monitor/health", 120, log)

        sign_in_to_airflow(browser, f"{base}/dags/reform_ingest/runs", password)

        browser.call("Page.navigate", url=f"{base}/dags/reform_ingest/runs")
        shown = browser.wait_for(
            "(() => { const t = document.body.innerText; "
            "return t.includes('reform_ingest') && /manual__/.test(t) && /success/i.test(t) ? t : ''; })()",
            60,
            "reform_ingest's successful run in the runs list",
        )
        assert "reform_ingest" in shown

        # The DAG's own page, with the docs from the module docstring, for the screenshot.
        browser.call("Page.navigate", url=f"{base}/dags/reform_ingest")
        browser.wait_for(
            "(() => { const t = document.body.innerText; "
            "return t.includes('reform_ingest') && t.includes('Latest Run') && t.includes('prepare'); })()",
            60,
            "the reform_ingest page with its last run and its tasks",
        )
        time.sleep(1.5)  # let the graph settle before the picture
        import base64

        picture = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
        assert picture.startswith(b"\x89PNG") and len(picture) > 10_000
        (tmp_path / "airflow-ui.png").write_bytes(picture)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.write_bytes(picture)
    finally:
        stop(server)
