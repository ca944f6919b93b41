"""First-run set-up of Metabase: an admin account and the warehouse, connected as bi_reader.

Run by the ``metabase-init`` service of docker-compose.yml once Metabase is healthy. It
uses Metabase's own set-up API (the open-source edition has no config file for this), and
does nothing when Metabase has already been set up. Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE = os.environ.get("MB_URL", "http://metabase:3000")


def call(method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        BASE + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def main() -> int:
    for _ in range(60):
        try:
            properties = call("GET", "/api/session/properties")
            break
        except (OSError, urllib.error.URLError):
            time.sleep(5)
    else:
        print(f"Metabase at {BASE} did not answer", file=sys.stderr)
        return 1
    token = properties.get("setup-token")
    if not token or properties.get("has-user-setup"):
        print("Metabase is already set up; nothing to do")
        return 0
    call(
        "POST",
        "/api/setup",
        {
            "token": token,
            "user": {
                "first_name": "CCHC",
                "last_name": "Admin",
                "email": os.environ["MB_ADMIN_EMAIL"],
                "password": os.environ["MB_ADMIN_PASSWORD"],
                "site_name": "CCHC warehouse",
            },
            "prefs": {"site_name": "CCHC warehouse", "site_locale": "vi", "allow_tracking": False},
            "database": {
                "engine": "postgres",
                "name": "CCHC warehouse (marts, audit)",
                "details": {
                    "host": os.environ.get("WAREHOUSE_HOST", "warehouse"),
                    "port": int(os.environ.get("WAREHOUSE_PORT", "5432")),
                    "dbname": os.environ.get("WAREHOUSE_DB", "reform"),
                    "user": "bi_reader",
                    "password": os.environ["BI_READER_PASSWORD"],
                    "ssl": False,
                    "schema-filters-type": "inclusion",
                    "schema-filters-patterns": "marts,audit",
                },
            },
        },
    )
    print("Metabase set up: the warehouse is connected as bi_reader (schemas marts and audit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
