"""Metrics with several worker processes (PROMETHEUS_MULTIPROC_DIR): what each process counted is added up,
whichever process answers the scrape, including processes that have exited."""

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import django
django.setup()
from ops import metrics
for _ in range({n}):
    metrics.REQUESTS.labels(route="oidc:token", method="POST", status="200").inc()
    metrics.LATENCY.labels(route="oidc:token", status="200").observe(0.01)
"""
SCRAPE = """
import django, sys
django.setup()
from ops.metrics_view import process_exposition
sys.stdout.write(process_exposition().decode())
"""


def run(code: str, directory: Path) -> str:
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_counts_from_every_worker_process_are_added_up(tmp_path):
    run(WORKER.format(n=3), tmp_path)
    run(WORKER.format(n=4), tmp_path)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(run(SCRAPE, tmp_path))
        for sample in family.samples
    }
    labels = (("method", "POST"), ("route", "oidc:token"), ("status", "200"))
    assert samples[("portico_http_requests_total", labels)] == 7
    assert (
        samples[("portico_http_request_duration_seconds_count", (("route", "oidc:token"), ("status", "200")))]
        == 7
    )
