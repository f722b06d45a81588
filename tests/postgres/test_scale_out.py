"""Portico on two nodes behind a load balancer (HAProxy, round robin) with one PostgreSQL and one Redis: a
browser sign-in whose steps land on both nodes, sign-in throttling shared by the nodes, a key rotated through
one node published by the other within the documented delay (oidc/keys.py KEYSET_TTL), a node killed
under load without losing a token it issued, and every database connection cut under load (what a
PostgreSQL restart does) failing only in-flight requests, as 503 JSON, with no node restarted."""

import hashlib
import shutil
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from oidc.keys import KEYSET_TTL
from oidc.models import AccessToken
from tests.conftest import pkce_pair

from . import scale_out

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
REDIRECT = "https://rp.example.org/cb"
PASSWORD = "correct horse battery"


def database_url() -> str:
    s = connection.settings_dict
    user = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def cluster(tmp_path):
    if not shutil.which(scale_out.HAPROXY):
        pytest.fail(f"{scale_out.HAPROXY} is missing: apt-get install -y haproxy (scripts/test does this)")
    redis.Redis.from_url(scale_out.REDIS_URL).flushdb()
    running = scale_out.start(
        tmp_path,
        database_url=database_url(),
        secret_key=settings.SECRET_KEY,
        extra={"PORTICO_THROTTLE_ACCOUNT_SLOW": "2", "PORTICO_THROTTLE_ACCOUNT_LOCK": "50"},
    )
    yield running
    scale_out.stop(running)


def test_browser_sign_in_crosses_nodes_and_its_code_works_anywhere(cluster, page, make_user, make_client):  # noqa: F811
    user = make_user(password=PASSWORD)
    rp, secret = make_client(redirect_uris=(REDIRECT,))
    served_by = []
    page.on(
        "response",
        lambda r: r.url.startswith(cluster.lb) and served_by.append(r.headers.get("x-portico-node")),
    )
    page.route("https://rp.example.org/**", lambda route: route.fulfill(status=200, body="callback"))
    verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "s-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page.goto(f"{cluster.lb}/authorize?{urlencode(query)}")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(REDIRECT + "?**")
    assert {"a", "b"} <= set(served_by), served_by  # the session and the pending request are shared
    params = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert params["state"] == "s-1" and params["iss"] == cluster.lb
    body = requests.post(
        cluster.lb + "/token",
        auth=(rp.client_id, secret),
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        timeout=10,
    ).json()
    signing_key = jwt.PyJWKClient(cluster.lb + "/.well-known/jwks.json").get_signing_key_from_jwt(
        body["id_token"]
    )
    claims = jwt.decode(
        body["id_token"], signing_key.key, algorithms=["RS256"], audience=rp.client_id, issuer=cluster.lb
    )
    assert claims["sub"] == user.sub and claims["nonce"] == "n-1"


def _login_form(http: requests.Session, node: str) -> dict:
    page_text = http.get(node + "/login", timeout=10).text
    token = page_text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    return {"csrfmiddlewaretoken": token}


def test_sign_in_throttle_is_shared_by_the_nodes(cluster, make_user):
    """Two wrong passwords, one on each node, and the third attempt must wait on either (SLOW=2)."""
    user = make_user(password=PASSWORD)
    http = requests.Session()  # cookies are per host, not per port: one browser for both nodes
    a, b = cluster.nodes["a"], cluster.nodes["b"]
    for node in (a, b):
        wrong = http.post(
            node + "/login",
            data={**_login_form(http, node), "username": user.username, "password": "wrong"},
            headers={"Referer": node},
            timeout=10,
        )
        assert wrong.status_code == 200 and "do not match" in wrong.text
    third = http.post(
        a + "/login",
        data={**_login_form(http, a), "username": user.username, "password": PASSWORD},
        headers={"Referer": a},
        timeout=10,
        allow_redirects=False,
    )
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0


def _kids(url: str) -> set[str]:
    return {key["kid"] for key in requests.get(url + "/.well-known/jwks.json", timeout=10).json()["keys"]}


def test_a_key_rotated_through_one_node_is_published_by_the_other(cluster, make_client):
    manager, secret = make_client(
        name="Platform", redirect_uris=(), grant_types=["client_credentials"], can_manage=True
    )
    a, b = cluster.nodes["a"], cluster.nodes["b"]
    before = _kids(b)  # node b has its key set cached now
    token = requests.post(
        a + "/token",
        auth=(manager.client_id, secret),
        data={"grant_type": "client_credentials", "scope": "portico:admin"},
        timeout=10,
    ).json()
    rotated = requests.post(
        a + "/api/v1/keys/rotate",
        json={"alg": "ES256"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert rotated.status_code == 200, rotated.text
    new = _kids(a) - before
    assert len(new) == 1  # node a cleared its own cache: the published next key is there at once
    deadline = time.monotonic() + KEYSET_TTL + 5  # the documented delay for other processes, plus slack
    while not new <= _kids(b):
        assert time.monotonic() < deadline, "node b did not publish the new key within KEYSET_TTL"
        time.sleep(1)


def test_a_node_killed_under_load_loses_no_issued_token(cluster, make_client):
    rp, secret = make_client(redirect_uris=(), grant_types=["client_credentials"])
    issued: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def load():
        http = requests.Session()
        while not stop.is_set():
            try:
                response = http.post(
                    cluster.lb + "/token",
                    auth=(rp.client_id, secret),
                    data={"grant_type": "client_credentials"},
                    timeout=10,
                )
            except requests.RequestException as error:
                failures.append(type(error).__name__)
                continue
            if response.status_code == 200:
                issued.append(response.json()["access_token"])
            else:
                failures.append(str(response.status_code))

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        _wait_until(lambda: len(issued) >= 40)
        cluster.kill("b")
        killed_at = len(issued)
        _wait_until(lambda: len(issued) >= killed_at + 40)  # node a carries on alone
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    digests = [hashlib.sha256(token.encode()).hexdigest() for token in issued]
    stored = set(
        AccessToken.objects.filter(token_checksum__in=digests).values_list("token_checksum", flat=True)
    )
    assert set(digests) == stored  # every token answered with 200 was committed
    assert len(failures) <= 8, failures  # only requests in flight on the killed node


def _wait_until(condition, *, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, "the load did not make progress"
        time.sleep(0.1)


def _terminate_node_connections() -> int:
    """What a PostgreSQL restart does to the nodes: every connection they hold is cut."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_database_connections_cut_under_load_fail_only_in_flight_requests_as_503_json(cluster, make_client):
    rp, secret = make_client(redirect_uris=(), grant_types=["client_credentials"])
    outcomes: list[tuple[int, str]] = []
    stop = threading.Event()

    def load():
        http = requests.Session()
        while not stop.is_set():
            response = http.post(
                cluster.lb + "/token",
                auth=(rp.client_id, secret),
                data={"grant_type": "client_credentials"},
                timeout=10,
            )
            outcomes.append((response.status_code, response.text if response.status_code != 200 else ""))

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        _wait_until(lambda: len(outcomes) >= 20)
        cut = sum(_terminate_node_connections() for _ in range(3))
        after = len(outcomes)
        _wait_until(lambda: len(outcomes) >= after + 40)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert cut >= 1
    failed = [(status, body) for status, body in outcomes if status != 200]
    assert all(status == 503 and '"temporarily_unavailable"' in body for status, body in failed), failed[:3]
    assert [status for status, _ in outcomes[-20:]] == [200] * 20  # recovered without restarting a node
    assert all(process.poll() is None for process in cluster.processes.values())
