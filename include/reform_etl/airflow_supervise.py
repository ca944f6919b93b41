"""Keep one Airflow component of the local deployment running.

``python -m reform_etl.airflow_supervise <component> [args...]`` runs ``airflow <component>``
and starts it again when it exits by itself. The scheduler, the dag-processor and the
triggerer exit when their metadata database goes away (a restart of the embedded PostgreSQL,
which holds both the warehouse and Airflow's metadata); coming back by themselves is what a
service manager would give them. Restarts back off from 2 s to 30 s, and reset once a run
lasted a minute.

SIGTERM or SIGINT (``reform-etl airflow down`` signals the whole process group) stops the
supervisor: it waits for the component to finish its own shutdown and does not restart it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

from .airflow_local import airflow_command

FIRST_DELAY = 2.0
LONGEST_DELAY = 30.0
STABLE_AFTER = 60.0


def supervise(args: list[str]) -> int:
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)  # usually already sent to the group; harmless twice

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    delay = FIRST_DELAY
    code = 0
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen([airflow_command(), *args])  # noqa: S603 - the venv's airflow
        code = child.wait()
        if stopping:
            break
        if time.monotonic() - started > STABLE_AFTER:
            delay = FIRST_DELAY
        print(
            f"reform-etl supervisor: airflow {args[0]} exited with code {code}; starting it again in {delay:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        deadline = time.monotonic() + delay
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
        delay = min(delay * 2, LONGEST_DELAY)
    return code


if __name__ == "__main__":
    sys.exit(supervise(sys.argv[1:]))
