"""Portico load benchmark: Portico under a production WSGI server (granian by default, or gunicorn) and
node-oidc-provider, both on PostgreSQL, on loopback, driven point by point (endpoint x concurrency) by wrk,
Portico then the peer (alternating on repeats) so both see the same machine state. Started by bench/run,
which installs what this needs.

Modes: the side-by-side table (default), --growth (token and userinfo cost at growing table sizes, EXPLAIN,
purge) and --profile ENDPOINT (py-spy over the server workers while wrk drives one endpoint).
"""

import argparse
import base64
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = Path(os.environ.get("BENCH_WORK", BENCH / ".work"))
VENV = ROOT / ".venv" / "bin"
LUA = BENCH / "wrk" / "endpoint.lua"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PORTICO_DB = os.environ.get("BENCH_PORTICO_DB", "portico_bench")
PEER_DB = os.environ.get("BENCH_PEER_DB", "peer_bench")
VANILLA_DB = os.environ.get("BENCH_VANILLA_DB", "vanilla_bench")
VANILLA_PORT = int(os.environ.get("BENCH_VANILLA_PORT", "8300"))
PORTICO_PORT = int(os.environ.get("BENCH_PORTICO_PORT", "8100"))
PEER_PORT = int(os.environ.get("BENCH_PEER_PORT", "8200"))
PROTECTED_DBS = {"portico_ci", "portico_dev", "postgres", "template0", "template1"}

ENDPOINTS = [
    "discovery",
    "jwks",
    "token_cc",
    "token_code",
    "token_refresh",
    "userinfo",
    "introspect",
    "signin",
]
SINGLE_USE = {"token_code": "codes", "token_refresh": "refresh"}


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def seconds_of(duration: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", duration)
    if not match:
        raise SystemExit(f"bad duration {duration!r} (e.g. 5s, 1m)")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value * {"ms": 0.001, "s": 1, "m": 60}[unit]


def size_of(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not match:
        raise SystemExit(f"bad size {text!r} (e.g. 10k, 1M, 10M)")
    return int(float(match.group(1)) * {"": 1, "k": 10**3, "m": 10**6}[match.group(2).lower()])


def basic(client_id: str, secret: str) -> str:
    # RFC 6749 2.3.1: form-urlencode each part before Base64.
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


# ---- processes -------------------------------------------------------------------------------------------

_children: list[subprocess.Popen] = []


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process in _children:
        _children.remove(process)


def stop_all() -> None:
    for process in list(_children):
        _stop(process)


def _on_signal(signum, _frame) -> None:
    stop_all()
    raise SystemExit(128 + signum)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_ready(
    url: str, process: subprocess.Popen, logfile: Path, timeout: float = 60, ok_statuses: tuple = (200,)
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early; see {logfile}:\n{logfile.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback, our URL)
                if response.status in ok_statuses:
                    return
        except urllib.error.HTTPError as error:
            if error.code in ok_statuses:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server not ready after {timeout}s: {url}")


def psql(sql: str, db: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{PG}/{db}", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def recreate_db(name: str) -> None:
    if name in PROTECTED_DBS:
        raise SystemExit(f"refusing to recreate database {name}")
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')


# ---- the two servers ---------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    info: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def discover(self) -> None:
        with urllib.request.urlopen(f"{self.url}/.well-known/openid-configuration") as response:  # noqa: S310
            document = json.load(response)
        self.paths = {
            "discovery": "/.well-known/openid-configuration",
            "jwks": urlsplit(document["jwks_uri"]).path,
            "token": urlsplit(document["token_endpoint"]).path,
            "userinfo": urlsplit(document["userinfo_endpoint"]).path,
            "introspect": urlsplit(document["introspection_endpoint"]).path,
        }

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


def _run_python(server, cwd: Path, *command: str) -> str:
    """The virtualenv's Python with the server's environment (Portico or Vanilla); its output, or exit."""
    result = subprocess.run(
        [str(VENV / "python"), *command], env=server.env, cwd=cwd, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(
            f"{server.name}: {' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    return result.stdout


def server_label(args) -> str:
    shape = f"{args.workers} workers x {args.threads} thread{'' if args.threads == 1 else 's'}"
    return f"granian (WSGI) {shape}" if args.server == "granian" else f"gunicorn {args.worker_class} {shape}"


def _start_wsgi(server, module: str, *, cwd: Path) -> Path:
    """server (Portico or Vanilla: .port, .args, .env) serving module's WSGI application on loopback under
    the production server args.server names (granian or gunicorn); returns its log file."""
    if not _port_free(server.port):
        raise SystemExit(f"port {server.port} is busy (BENCH_{server.name.upper()}_PORT)")
    logfile = WORK / f"{server.name}.log"
    args = server.args
    if args.server == "granian":
        command = [
            str(VENV / "granian"),
            "--interface", "wsgi",
            f"{module}:application",
            "--host", "127.0.0.1",
            "--port", str(server.port),
            "--workers", str(args.workers),
            "--blocking-threads", str(args.threads),
            "--blocking-threads-idle-timeout", "600",  # keep threads, and their database connections
            "--backlog", "2048",
            "--no-ws",
            "--log-level", "warning",
        ]  # fmt: skip
    else:
        command = [
            str(VENV / "gunicorn"),
            module,
            "--bind", f"127.0.0.1:{server.port}",
            "--workers", str(args.workers),
            "--worker-class", args.worker_class,
            "--threads", str(args.threads),
            "--backlog", "2048",
        ]  # fmt: skip
    server.process = subprocess.Popen(
        command, env=server.env, cwd=cwd, stdout=logfile.open("w"), stderr=subprocess.STDOUT
    )
    _children.append(server.process)
    return logfile


class Portico(Server):
    def __init__(self, args) -> None:
        super().__init__("portico", PORTICO_PORT)
        self.args = args
        self.env = os.environ | {
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "PORTICO_ISSUER": self.url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"{PG}/{PORTICO_DB}",
            "DATABASE_CONN_MAX_AGE": "600",
            "PORTICO_VAR_DIR": str(WORK / "var"),
            "LOG_LEVEL": "WARNING",
        }

    def manage(self, *command: str) -> str:
        return self.python(str(ROOT / "manage.py"), *command)

    def python(self, *command: str) -> str:
        return _run_python(self, ROOT, *command)

    def prepare(self) -> None:
        recreate_db(PORTICO_DB)
        self.manage("migrate", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.python(str(BENCH / "seed_portico.py"), "base", str(WORK))
        self.info = json.loads((WORK / "portico-clients.json").read_text())

    def seed(self, kind: str, count: int) -> Path:
        self.python(str(BENCH / "seed_portico.py"), kind, str(WORK), str(count))
        return WORK / f"portico-{kind}.txt"

    def start(self) -> None:
        logfile = _start_wsgi(self, "config.wsgi", cwd=ROOT)
        _wait_ready(f"{self.url}/.well-known/openid-configuration", self.process, logfile)
        self.discover()

    def requests(self, pools: dict) -> dict:
        cc = basic(self.info["cc"]["client_id"], self.info["cc"]["client_secret"])
        web = basic(self.info["web"]["client_id"], self.info["web"]["client_secret"])
        return _requests(self.paths, cc, web, self.info["redirect_uri"], self.info["code_verifier"], pools)


class Peer(Server):
    def __init__(self, clients: str = "db") -> None:
        super().__init__("peer", PEER_PORT)
        self.clients = clients  # "db": client rows read through the adapter per request, as Portico does
        self.db_url = f"{PG}/{PEER_DB}"
        self.keyfile = WORK / "peer-key.json"

    def node(self, *command: str) -> None:
        result = subprocess.run(
            ["node", str(BENCH / "peer" / "server.js"), *command], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise SystemExit(f"peer {command[0]} failed:\n{result.stderr[-4000:]}")

    def prepare(self) -> None:
        recreate_db(PEER_DB)
        self.node("seed", self.db_url, str(self.keyfile), str(WORK), "base", "0")
        clients = {c["client_id"]: c for c in json.loads((WORK / "peer-clients.json").read_text())}
        self.info = {"clients": clients}

    def seed(self, kind: str, count: int) -> Path:
        self.node("seed", self.db_url, str(self.keyfile), str(WORK), kind, str(count))
        return WORK / f"peer-{kind}.txt"

    def start(self) -> None:
        if not _port_free(self.port):
            raise SystemExit(f"port {self.port} is busy (BENCH_PEER_PORT)")
        logfile = WORK / "peer.log"
        self.process = subprocess.Popen(
            [
                "node",
                str(BENCH / "peer" / "server.js"),
                "serve",
                str(self.port),
                self.db_url,
                str(self.keyfile),
                self.clients,
            ],
            stdout=logfile.open("w"),
            stderr=subprocess.STDOUT,
        )
        _children.append(self.process)
        _wait_ready(f"{self.url}/.well-known/openid-configuration", self.process, logfile)
        self.discover()

    def requests(self, pools: dict) -> dict:
        c = self.info["clients"]
        cc = basic("bench-cc", c["bench-cc"]["client_secret"])
        web = basic("bench-web", c["bench-web"]["client_secret"])
        verifier = "bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
        return _requests(self.paths, cc, web, c["bench-web"]["redirect_uris"][0], verifier, pools)


def _requests(paths: dict, cc: str, web: str, redirect_uri: str, verifier: str, pools: dict) -> dict:
    """wrk settings (bench/wrk/endpoint.lua) per endpoint; the same requests for both servers."""
    redirect = quote(redirect_uri, safe="")
    return {
        "discovery": {"BENCH_METHOD": "GET", "BENCH_PATH": paths["discovery"]},
        "jwks": {"BENCH_METHOD": "GET", "BENCH_PATH": paths["jwks"]},
        "token_cc": {
            "BENCH_METHOD": "POST",
            "BENCH_PATH": paths["token"],
            "BENCH_AUTH": cc,
            "BENCH_BODY": "grant_type=client_credentials",
        },
        "token_code": {
            "BENCH_METHOD": "POST",
            "BENCH_PATH": paths["token"],
            "BENCH_AUTH": web,
            "BENCH_BODY": f"grant_type=authorization_code&code={{v}}&redirect_uri={redirect}&code_verifier={verifier}",
            "BENCH_POOL": pools.get("codes", ""),
        },
        "token_refresh": {
            "BENCH_METHOD": "POST",
            "BENCH_PATH": paths["token"],
            "BENCH_AUTH": web,
            "BENCH_BODY": "grant_type=refresh_token&refresh_token={v}",
            "BENCH_POOL": pools.get("refresh", ""),
        },
        "userinfo": {
            "BENCH_METHOD": "GET",
            "BENCH_PATH": paths["userinfo"],
            "BENCH_BEARER": "1",
            "BENCH_POOL": pools.get("access", ""),
        },
        "introspect": {
            "BENCH_METHOD": "POST",
            "BENCH_PATH": paths["introspect"],
            "BENCH_AUTH": web,
            "BENCH_BODY": "token={v}",
            "BENCH_POOL": pools.get("access", ""),
        },
    }


# ---- load ------------------------------------------------------------------------------------------------


def run_wrk(url: str, settings: dict, *, concurrency: int, seconds: float) -> dict:
    threads = min(2, concurrency)
    env = os.environ | {"BENCH_THREADS": str(threads)} | {k: v for k, v in settings.items() if v}
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{result.stdout}\n{result.stderr}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["status_errors"] + raw["socket_errors"] + raw["timeouts"],
        "wrapped": raw["wrapped"],
    }


def split_pool(path: Path, parts: int, prefix: str) -> list[Path]:
    values = [line for line in path.read_text().splitlines() if line]
    size = len(values) // parts
    files = []
    for i in range(parts):
        part = WORK / f"{prefix}-{i}.txt"
        part.write_text("\n".join(values[i * size : (i + 1) * size]) + "\n")
        files.append(part)
    return files


def warm_up(server: Server, pools: dict) -> None:
    """Every worker imports, connects and loads keys before anything is measured."""
    requests = server.requests(pools)
    for name in ("discovery", "jwks", "token_cc", "userinfo", "introspect"):
        run_wrk(server.url, requests[name], concurrency=8, seconds=1)


def fmt_point(point: dict | None) -> list[str]:
    if point is None:
        return ["n/a", "", "", ""]
    return [f"{point['rps']:.0f}", f"{point['p50_ms']:.1f}", f"{point['p99_ms']:.1f}", str(point["errors"])]


def median_point(points: list[dict]) -> dict:
    ordered = sorted(points, key=lambda p: p["rps"])
    return ordered[len(ordered) // 2] | {"errors": sum(p["errors"] for p in points)}


def side_by_side(args) -> None:
    seconds = seconds_of(args.duration)
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    endpoints = [e for e in ENDPOINTS if not args.only or e in args.only.split(",")]
    unknown = set(args.only.split(",")) - set(ENDPOINTS) if args.only else set()
    if unknown:
        raise SystemExit(
            f"unknown endpoints: {', '.join(sorted(unknown))} (choose from {', '.join(ENDPOINTS)})"
        )
    portico = Portico(args)
    servers: list[Server] = [portico] if args.no_peer else [portico, Peer(args.peer_clients)]
    points_per_server = len(concurrencies) * args.repeat
    per_point = int(args.pool_rate * seconds) + 200
    pools: dict[str, dict] = {s.name: {} for s in servers}
    point_pools: dict[tuple, Path] = {}
    for server in servers:
        log(f"{server.name}: fresh database and seed data")
        server.prepare()
        pools[server.name]["access"] = str(server.seed("access", 1000))
        for endpoint, kind in SINGLE_USE.items():
            if endpoint in endpoints:
                log(f"{server.name}: {per_point * points_per_server} single-use {kind}")
                files = split_pool(
                    server.seed(kind, per_point * points_per_server),
                    points_per_server,
                    f"{server.name}-{kind}",
                )
                for i, path in enumerate(files):
                    point_pools[(server.name, endpoint, i)] = path
    bound = None
    if "signin" in endpoints:
        log("password verification bound (Argon2 check_password)")
        bound = json.loads(
            portico.python(str(BENCH / "password_bound.py"), str(args.workers), str(min(seconds, 5)))
        )
    for server in servers:
        server.start()
        log(f"{server.name}: up on {server.url}; warming up")
        warm_up(server, pools[server.name])
    results: dict[tuple, dict[str, list]] = collections.defaultdict(lambda: collections.defaultdict(list))
    try:
        for endpoint in endpoints:
            # Fresh planner statistics for both databases: the previous endpoint's writes (tens of thousands of
            # token rows) can outpace autovacuum's analyze, and a stale estimate once sent the peer's token
            # lookups to the wrong index (15-40 ms each instead of 0.03 ms).
            for db in [PORTICO_DB] + ([] if args.no_peer else [PEER_DB]):
                psql("ANALYZE", db)
            for concurrency in concurrencies:
                for repeat in range(args.repeat):
                    order = servers if repeat % 2 == 0 else list(reversed(servers))
                    for server in order:
                        if endpoint == "signin":
                            if server.name != "portico":
                                continue
                            from signin import run as run_signin

                            point = run_signin(
                                server.url, portico.info, concurrency=concurrency, seconds=seconds
                            )
                        else:
                            index = concurrencies.index(concurrency) * args.repeat + repeat
                            point_pool = point_pools.get((server.name, endpoint, index))
                            settings = server.requests(
                                pools[server.name] | {SINGLE_USE.get(endpoint, "-"): str(point_pool)}
                            )
                            point = run_wrk(
                                server.url, settings[endpoint], concurrency=concurrency, seconds=seconds
                            )
                            if point["wrapped"] and endpoint in SINGLE_USE:
                                log(
                                    f"warning: {server.name} {endpoint} c{concurrency} ran out of single-use values "
                                    "(raise --pool-rate)"
                                )
                        results[(endpoint, concurrency)][server.name].append(point)
                        log(
                            f"{endpoint:13} c{concurrency:<3} {server.name:7} {point['rps']:8.1f} req/s "
                            f"p50 {point['p50_ms']:.1f} ms p99 {point['p99_ms']:.1f} ms errors {point['errors']}"
                        )
    finally:
        for server in servers:
            server.stop()
    report(args, results, bound, seconds, concurrencies, endpoints)


def report(args, results, bound, seconds, concurrencies, endpoints) -> None:
    lines = [
        "| endpoint | conc | Portico req/s | p50 ms | p99 ms | errors | peer req/s | p50 ms | p99 ms | errors | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    summary = []
    for endpoint in endpoints:
        for concurrency in concurrencies:
            runs = results[(endpoint, concurrency)]
            mine = median_point(runs["portico"]) if runs.get("portico") else None
            peer = median_point(runs["peer"]) if runs.get("peer") else None
            ratio = f"{mine['rps'] / peer['rps']:.2f}" if mine and peer and peer["rps"] else "n/a"
            lines.append(
                "| "
                + " | ".join([endpoint, str(concurrency), *fmt_point(mine), *fmt_point(peer), ratio])
                + " |"
            )
            summary.append({"endpoint": endpoint, "concurrency": concurrency, "portico": mine, "peer": peer})
    notes = [
        f"Duration per point {seconds:g}s, {args.repeat} run(s) per point (median shown), "
        f"Portico: {server_label(args)}"
        + (
            ""
            if args.no_peer
            else "; peer: node-oidc-provider (one node process, clients "
            + ("read from PostgreSQL per request" if args.peer_clients == "db" else "held in memory")
            + ")"
        )
        + ". Errors: non-2xx responses plus socket errors and timeouts.",
    ]
    if bound:
        notes.append(
            f"Sign-in bound: one {bound['hasher']} check_password takes {bound['single_ms']:.0f} ms; "
            f"{bound['processes']} processes verify {bound['per_second']:.1f}/s together."
        )
        for concurrency in concurrencies:
            runs = results[("signin", concurrency)].get("portico")
            if runs:
                rate = median_point(runs)["rps"]
                notes.append(
                    f"signin c{concurrency}: {rate:.1f} sign-ins/s = {rate / bound['per_second']:.0%} of that bound."
                )
    text = "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (WORK / f"results-{stamp}.md").write_text(text)
    (WORK / f"results-{stamp}.json").write_text(
        json.dumps({"points": summary, "bound": bound, "args": vars(args)}, indent=2)
    )
    log(f"results in {WORK}/results-{stamp}.md")


# ---- stock django-oauth-toolkit ------------------------------------------------------------------------------


class Vanilla(Server):
    """django-oauth-toolkit in a stock project (bench/vanilla/), under the same server settings as Portico."""

    def __init__(self, args) -> None:
        super().__init__("vanilla", VANILLA_PORT)
        self.args = args
        self.env = os.environ | {
            "SECRET_KEY": "bench-only-secret-key-" + "v" * 40,
            "DATABASE_URL": f"{PG}/{VANILLA_DB}",
            "DJANGO_SETTINGS_MODULE": "vanilla.settings",
            "PYTHONPATH": str(BENCH),
        }

    def python(self, *command: str) -> str:
        return _run_python(self, BENCH, *command)

    def prepare(self) -> None:
        recreate_db(VANILLA_DB)
        self.python("-m", "django", "migrate", "-v0")
        self.info = json.loads(self.python(str(BENCH / "vanilla" / "seed.py")))

    def start(self) -> None:
        logfile = _start_wsgi(self, "vanilla.wsgi", cwd=BENCH)
        _wait_ready(f"{self.url}/o/token/", self.process, logfile, ok_statuses=(405,))  # up: GET not allowed

    def token_cc(self, which: str) -> dict:
        credentials = self.info[which]
        return {
            "BENCH_METHOD": "POST",
            "BENCH_PATH": "/o/token/",
            "BENCH_AUTH": basic(credentials["client_id"], credentials["client_secret"]),
            "BENCH_BODY": "grant_type=client_credentials",
        }


def vanilla(args) -> None:
    """client_credentials: Portico against stock django-oauth-toolkit, with its default secret hashing and
    with hash_client_secret off, interleaved at each concurrency."""
    seconds = seconds_of(args.duration)
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    portico, stock = Portico(args), Vanilla(args)
    log("portico and stock django-oauth-toolkit: fresh databases and clients")
    portico.prepare()
    stock.prepare()
    portico.start()
    stock.start()
    portico_cc = portico.requests({"access": "-"})["token_cc"]
    runs = [("Portico", portico.url, portico_cc)] + [
        (f"django-oauth-toolkit, {label}", stock.url, stock.token_cc(which))
        for which, label in (("hashed", "default secret hashing"), ("plain", "hash_client_secret=False"))
    ]
    for _name, url, settings in runs:
        run_wrk(url, settings, concurrency=8, seconds=1)  # warm-up
    results: dict[tuple, list] = collections.defaultdict(list)
    try:
        for concurrency in concurrencies:
            for repeat in range(args.repeat):
                for name, url, settings in runs if repeat % 2 == 0 else list(reversed(runs)):
                    point = run_wrk(url, settings, concurrency=concurrency, seconds=seconds)
                    results[(name, concurrency)].append(point)
                    # Requests queued behind password hashes keep a server busy after wrk stops: let them
                    # drain before the next server is measured.
                    time.sleep(5)
                    log(
                        f"token_cc c{concurrency:<3} {name:45} {point['rps']:8.1f} req/s errors {point['errors']}"
                    )
    finally:
        portico.stop()
        stock.stop()
    lines = ["| server | conc | req/s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
    for concurrency in concurrencies:
        for name, _url, _settings in runs:
            lines.append(
                f"| {name} | {concurrency} | "
                + " | ".join(fmt_point(median_point(results[(name, concurrency)])))
                + " |"
            )
    text = (
        "\n".join(lines)
        + f"\n\nclient_credentials with client_secret_basic; {seconds:g}s per point, {args.repeat} run(s) "
        f"(median); every server {server_label(args)}, "
        "PostgreSQL, persistent connections.\n"
    )
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (WORK / f"vanilla-{stamp}.md").write_text(text)
    log(f"results in {WORK}/vanilla-{stamp}.md")


# ---- growth ----------------------------------------------------------------------------------------------


def table_rows(portico: Portico) -> dict:
    tables = ["oidc_accesstoken", "oidc_refreshtoken", "oidc_grant", "oidc_idtoken"]
    return {t: int(psql(f"SELECT count(*) FROM {t}", PORTICO_DB)) for t in tables}


def growth(args) -> None:
    seconds = seconds_of(args.duration)
    sizes = sorted(size_of(s) for s in args.growth_sizes.split(","))
    portico = Portico(args)
    log("portico: fresh database and seed data")
    portico.prepare()
    access = str(portico.seed("access", 1000))
    per_point = int(args.pool_rate * seconds) + 200
    lines = [
        "| stored access tokens | endpoint | conc | req/s | p50 ms | p99 ms | errors | plan of the hot lookup |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    explains = []
    for size in sizes:
        have = int(psql("SELECT count(*) FROM oidc_accesstoken", PORTICO_DB))
        if size > have:
            log(f"filling to {size:,} stored access tokens")
            started = time.monotonic()
            portico.python(str(BENCH / "seed_portico.py"), "filler", str(WORK), str(size - have))
            log(f"filled in {time.monotonic() - started:.0f}s")
        codes = portico.seed("codes", per_point + 20)
        point_codes, query_codes = WORK / "growth-codes.txt", WORK / "portico-queries-codes.txt"
        values = codes.read_text().split()
        point_codes.write_text("\n".join(values[:-20]) + "\n")
        query_codes.write_text("\n".join(values[-20:]) + "\n")
        shutil.copy(portico.seed("refresh", 20), WORK / "portico-queries-refresh.txt")
        plans = json.loads(portico.python(str(BENCH / "queries.py"), str(WORK), "token_code", "userinfo"))
        explains.append({"size": size, "tables": table_rows(portico), "plans": plans})
        portico.start()
        try:
            warm_up(portico, {"access": access})
            requests = portico.requests({"access": access, "codes": str(point_codes)})
            for endpoint in ("token_code", "userinfo"):
                point = run_wrk(portico.url, requests[endpoint], concurrency=8, seconds=seconds)
                lookup = _hot_plan(plans["endpoints"][endpoint])
                lines.append(
                    f"| {size:,} | {endpoint} | 8 | " + " | ".join(fmt_point(point)) + f" | {lookup} |"
                )
                log(f"{size:,} {endpoint}: {point['rps']:.1f} req/s p50 {point['p50_ms']:.1f} ms")
        finally:
            portico.stop()
    before = table_rows(portico)
    started = time.monotonic()
    purge_output = portico.manage("purge_tokens").strip()
    purge_seconds = time.monotonic() - started
    after = table_rows(portico)
    purge = ["| table | rows before purge | rows after |", "|---|---:|---:|"] + [
        f"| {t} | {before[t]:,} | {after[t]:,} |" for t in before
    ]
    sizes_sql = psql(
        "SELECT relname || ' ' || pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
        "WHERE relname IN ('oidc_accesstoken','oidc_grant','oidc_refreshtoken','oidc_idtoken') ORDER BY 1",
        PORTICO_DB,
    )
    text = (
        "\n".join(lines)
        + "\n\nPurge (`manage.py purge_tokens`, "
        + f"{purge_seconds:.0f}s: {purge_output}):\n\n"
        + "\n".join(purge)
        + "\n\nTable sizes after purge: "
        + "; ".join(sizes_sql.splitlines())
        + "\n"
    )
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (WORK / f"growth-{stamp}.md").write_text(text)
    (WORK / f"growth-{stamp}-explain.json").write_text(json.dumps(explains, indent=2))
    for entry in explains:
        print(f"\nEXPLAIN at {entry['size']:,} stored access tokens ({entry['tables']}):")
        for endpoint, detail in entry["plans"]["endpoints"].items():
            print(
                f"  {endpoint}: {detail['selects']} SELECTs, {detail['writes']} writes, "
                f"{detail['seq_scans']} sequential scans"
            )
            for statement in detail["detail"]:
                if statement["plan"]:
                    print("    " + statement["sql"][:140].replace("\n", " ") + " ...")
                    print("      " + "\n      ".join(statement["plan"]))
    log(f"growth results in {WORK}/growth-{stamp}.md")


def _hot_plan(detail: dict) -> str:
    """The index (or scan) of the first SELECT on a token table, as a short note."""
    for statement in detail["detail"]:
        for line in statement["plan"]:
            match = re.search(
                r"(Index Scan|Index Only Scan|Seq Scan|Bitmap Heap Scan)(?: using (\S+))? on (\S+)", line
            )
            if match and match.group(3) in ("oidc_accesstoken", "oidc_grant"):
                exec_line = next((x for x in statement["plan"] if x.startswith("Execution Time")), "")
                return f"{match.group(1)} {match.group(2) or ''} on {match.group(3)}; {exec_line}".strip()
    return "n/a"


# ---- profile ---------------------------------------------------------------------------------------------


def profile(args) -> None:
    endpoint = args.profile
    seconds = max(seconds_of(args.duration), 5)
    portico = Portico(args)
    portico.prepare()
    pools = {"access": str(portico.seed("access", 1000))}
    if endpoint in SINGLE_USE:
        pools[SINGLE_USE[endpoint]] = str(
            portico.seed(SINGLE_USE[endpoint], int(args.pool_rate * (seconds + 2)) + 200)
        )
    portico.start()
    raw = WORK / f"profile-{endpoint}.txt"
    try:
        warm_up(portico, {"access": pools["access"]})
        requests = portico.requests(pools)
        spy = subprocess.Popen(
            [str(VENV / "py-spy"), "record", "--subprocesses", "--pid", str(portico.process.pid),
             "--duration", str(int(seconds)), "--rate", "200", "--format", "raw", "--output", str(raw)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(0.5)
        point = run_wrk(portico.url, requests[endpoint], concurrency=8, seconds=seconds)
        _, error = spy.communicate(timeout=60)
        if spy.returncode != 0:
            raise SystemExit(f"py-spy failed (it needs ptrace permission): {error[-1000:]}")
    finally:
        portico.stop()
    print(f"{endpoint} at concurrency 8 while profiled: {point['rps']:.0f} req/s (py-spy slows it down)\n")
    print(summarise_profile(raw))
    log(f"collapsed stacks in {raw} (open with speedscope or flamegraph.pl)")


# Where a sample's time goes: the innermost frame that belongs to a known package (stdlib frames count for
# the package that called them); waiting for PostgreSQL's reply is told apart from the rest of psycopg.
PACKAGES = [
    ("psycopg/", "psycopg (sending queries, decoding rows)"),
    ("django/db/", "Django ORM (building SQL, model instances)"),
    ("jwt/", "PyJWT"),
    ("cryptography/", "cryptography (signing)"),
    ("argon2/", "Argon2 (password verification)"),
    ("oauthlib/", "oauthlib"),
    ("oauth2_provider/", "django-oauth-toolkit"),
    ("(oidc/", "Portico oidc/"),
    ("(accounts/", "Portico accounts/"),
    ("django/template", "Django templates"),
    ("django/", "Django (request, middleware, views)"),
    ("whitenoise/", "WhiteNoise"),
    ("gunicorn/", "gunicorn (HTTP parsing, socket I/O)"),
    ("granian/", "granian (its Python side)"),
]


def _category(frames: list[str]) -> str:
    leaf = frames[-1]
    if "psycopg/" in leaf and any(x in leaf for x in ("wait", "_execute_send", "_exec_command")):
        return "PostgreSQL round trips (waiting for replies)"
    for frame in reversed(frames):
        for needle, label in PACKAGES:
            if needle in frame:
                return label
    return "other"


def summarise_profile(raw: Path, top: int = 40) -> str:
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    categories: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";") if not f.startswith("process ")]
        if not any("WSGIHandler.__call__" in f for f in frames):
            continue  # workers waiting for connections, server housekeeping
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
        categories[_category(frames)] += n
    if not total:
        return "no samples in request handling"
    out = [f"{total} samples inside Django request handling (wall clock, every worker thread).", ""]
    out.append("By package (innermost frame of a known package):")
    out += [f"  {100 * v / total:5.1f}%  {k}" for k, v in categories.most_common()]
    out.append("")
    out.append("Inclusive (a function and what it calls):")
    shown = [(k, v) for k, v in inclusive.most_common() if v < 0.97 * total][:top]  # not the server loop
    out += [f"  {100 * v / total:5.1f}%  {k}" for k, v in shown]
    out.append("")
    out.append("Self (the function's own code):")
    out += [f"  {100 * v / total:5.1f}%  {k}" for k, v in own.most_common(15)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="5s", help="per point (default 5s)")
    parser.add_argument("--concurrency", default="8,32", help="comma-separated (default 8,32)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(ENDPOINTS)}")
    parser.add_argument("--no-peer", action="store_true", help="Portico only")
    parser.add_argument("--peer-clients", choices=["db", "static"], default="db",
                        help="the peer's clients: rows in PostgreSQL read per request like Portico's (default), "
                        "or static configuration held in memory")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1, help="runs per point, servers alternating (median)")
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian",
                        help="production WSGI server Portico runs under (default granian)")  # fmt: skip
    parser.add_argument("--workers", type=int,
                        help="worker processes (default: granian nproc + 1, gunicorn nproc)")  # fmt: skip
    parser.add_argument("--threads", type=int,
                        help="threads per worker (default: granian 1, gunicorn 2)")  # fmt: skip
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class (default gthread)")
    parser.add_argument("--pool-rate", type=float, default=1500,
                        help="single-use codes/refresh tokens seeded per second of a point (default 1500)")  # fmt: skip
    parser.add_argument("--growth", action="store_true", help="table-size growth mode instead of the table")
    parser.add_argument("--vanilla", action="store_true",
                        help="client_credentials against stock django-oauth-toolkit instead of the table")  # fmt: skip
    parser.add_argument("--growth-sizes", default="10k,10M", help="stored access tokens (default 10k,10M)")
    parser.add_argument("--profile", metavar="ENDPOINT", choices=[e for e in ENDPOINTS if e != "signin"],
                        help="py-spy profile of Portico serving one endpoint")  # fmt: skip
    args = parser.parse_args()
    # granian: one Python thread per process and a process more than cores (a process waiting for PostgreSQL
    # leaves its core to another); two threads sharing a GIL gave the same throughput with p99 spikes of
    # 100-900 ms here. gunicorn gthread: nproc x 2, its usual configuration.
    cores = os.cpu_count() or 2
    if args.workers is None:
        args.workers = cores + 1 if args.server == "granian" else cores
    if args.threads is None:
        args.threads = 1 if args.server == "granian" else 2
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    WORK.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(BENCH))
    try:
        if args.profile:
            profile(args)
        elif args.growth:
            growth(args)
        elif args.vanilla:
            vanilla(args)
        else:
            side_by_side(args)
    finally:
        stop_all()


if __name__ == "__main__":
    main()
