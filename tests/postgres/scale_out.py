"""Two Portico nodes (gunicorn) behind HAProxy on loopback, on the test PostgreSQL database and a Redis cache:
the deployment docs/operations.md describes, started for tests/postgres/test_scale_out.py."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
HAPROXY = os.environ.get("PORTICO_HAPROXY", "/usr/sbin/haproxy")
REDIS_URL = os.environ.get("PORTICO_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

HAPROXY_CONFIG = """
global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend portico
    bind 127.0.0.1:{port}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # Which node answered, so a test can see a sign-in's steps cross nodes.
    http-response set-header X-Portico-Node %s
{servers}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, *, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {deadline} s")


@dataclass
class Cluster:
    lb: str
    nodes: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def kill(self, name: str) -> None:
        """SIGKILL: no graceful shutdown, whatever the node was doing is cut off."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def node_environment(
    *, issuer: str, database_url: str, secret_key: str, extra: dict[str, str]
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTICO_", "DATABASE_", "REDIS"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.postgres.node_settings",
        DEBUG="0",
        SECRET_KEY=secret_key,
        PORTICO_ISSUER=issuer,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        PORTICO_LOG_FORMAT="json",
        **extra,
    )
    return env


def start(tmp: Path, *, database_url: str, secret_key: str, extra: dict[str, str]) -> Cluster:
    lb_port = free_port()
    ports = {"a": free_port(), "b": free_port()}
    cluster = Cluster(f"http://127.0.0.1:{lb_port}", {n: f"http://127.0.0.1:{p}" for n, p in ports.items()})
    env = node_environment(issuer=cluster.lb, database_url=database_url, secret_key=secret_key, extra=extra)
    for name, port in ports.items():
        log = open(tmp / f"node-{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        cluster.processes[name] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--graceful-timeout",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    for url in cluster.nodes.values():
        wait_for(url + "/health/ready")
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{port} check inter 300ms fall 1 rise 2" for name, port in ports.items()
    )
    config = tmp / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=lb_port, servers=servers))
    log = open(tmp / "haproxy.log", "wb")  # noqa: SIM115
    cluster.processes["haproxy"] = subprocess.Popen(
        [HAPROXY, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    wait_for(cluster.lb + "/health/ready")
    return cluster


def stop(cluster: Cluster) -> None:
    for process in cluster.processes.values():
        if process.poll() is None:
            process.terminate()
    for process in cluster.processes.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
