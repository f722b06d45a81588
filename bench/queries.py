"""The SQL each hot endpoint runs for one request, and PostgreSQL's plan for each statement.

Makes one request per endpoint through Django's test client against the benchmark database (Portico's
production settings in the environment), captures the statements, and EXPLAINs them: SELECTs with
ANALYZE and BUFFERS (they are read-only), writes without ANALYZE (so nothing is written twice). Prints
JSON: per endpoint, the statements, their plans and whether any plan has a sequential scan.

    python bench/queries.py OUTDIR [ENDPOINT ...]

The connection health check Django runs when it reuses a connection (conn_health_checks) is a `SELECT 1`
on the raw connection, outside what the test client's capture sees; it is reported separately.
"""

import base64
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def _basic(client: dict) -> str:
    return "Basic " + base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()


def _take(path: Path) -> str:
    """Take the last value of a single-use pool file (the benchmark points use it from the start)."""
    lines = [line for line in path.read_text().splitlines() if line]
    value = lines.pop()
    path.write_text("\n".join(lines) + "\n")
    return value


def _requests(outdir: Path, info: dict) -> dict:
    access = (outdir / "portico-access.txt").read_text().split()[0]
    return {
        "token_cc": lambda c: c.post(
            "/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=_basic(info["cc"])
        ),
        "token_code": lambda c: c.post(
            "/token",
            {
                "grant_type": "authorization_code",
                "code": _take(outdir / "portico-queries-codes.txt"),
                "redirect_uri": info["redirect_uri"],
                "code_verifier": info["code_verifier"],
            },
            HTTP_AUTHORIZATION=_basic(info["web"]),
        ),
        "token_refresh": lambda c: c.post(
            "/token",
            {"grant_type": "refresh_token", "refresh_token": _take(outdir / "portico-queries-refresh.txt")},
            HTTP_AUTHORIZATION=_basic(info["web"]),
        ),
        "userinfo": lambda c: c.get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {access}"),
        "introspect": lambda c: c.post(
            "/introspect", {"token": access}, HTTP_AUTHORIZATION=_basic(info["web"])
        ),
    }


def _explain(sql: str) -> list[str]:
    verb = sql.lstrip().split(None, 1)[0].upper()
    if verb not in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
        return []
    options = "(ANALYZE, BUFFERS, COSTS OFF)" if verb == "SELECT" else "(COSTS OFF)"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {options} {sql}")
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    outdir = Path(sys.argv[1])
    info = json.loads((outdir / "portico-clients.json").read_text())
    wanted = sys.argv[2:]
    host = settings.PORTICO_ISSUER.split("//", 1)[1].split(":")[0]
    browser = TestClient(SERVER_NAME=host)
    report = {
        "health_check_per_request": bool(connection.settings_dict.get("CONN_HEALTH_CHECKS")),
        "endpoints": {},
    }
    for name, call in _requests(outdir, info).items():
        if wanted and name not in wanted:
            continue
        call(browser)  # warm: key cache, client lookups compiled once
        with CaptureQueriesContext(connection) as captured:
            response = call(browser)
        statements = []
        for query in captured.captured_queries:
            sql = query["sql"]
            plan = _explain(sql)
            statements.append(
                {"sql": sql, "plan": plan, "seq_scan": any("Seq Scan" in line for line in plan)}
            )
        verbs = [s["sql"].lstrip().split(None, 1)[0].upper() for s in statements]
        report["endpoints"][name] = {
            "status": response.status_code,
            "statements": len(statements),
            "selects": verbs.count("SELECT"),
            "writes": sum(v in {"INSERT", "UPDATE", "DELETE"} for v in verbs),
            "seq_scans": sum(s["seq_scan"] for s in statements),
            "detail": statements,
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
