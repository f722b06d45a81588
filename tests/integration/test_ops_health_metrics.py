"""Health endpoints and /metrics (ops/health.py, ops/metrics_view.py) through Django's test client."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import Client as Browser
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from oidc import keys
from oidc.records import SigningKey
from tests.integration.helpers import exchange, get_code

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


def scrape(http=None) -> dict[tuple[str, tuple], float]:
    response = (http or Browser()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_token(settings):
    settings.PORTICO_METRICS_TOKEN = TOKEN
    settings.PORTICO_METRICS_ALLOW = []


def test_live_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Browser().get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_reports_each_check_and_no_detail():
    response = Browser().get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "signing_keys": "ok"},
    }


def test_ready_fails_when_the_signing_keys_cannot_be_decrypted(settings):
    keys.active_key("RS256")  # generated under the current secret
    settings.PORTICO_KEY_ENCRYPTION_KEYS = ["a-different-secret-than-the-one-that-encrypted-the-keys"]
    keys.clear_cache()
    response = Browser().get("/health/ready")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "ok", "migrations": "ok", "signing_keys": "fail"},
    }


def test_ready_checks_a_shared_cache_when_one_is_configured(settings):
    # A Redis server on a loopback port where nothing listens: configured, unreachable.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        },
    }
    try:
        response = Browser().get("/health/ready")
    finally:
        caches["default"].close()
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "fail"


def test_metrics_do_not_exist_until_protected(settings):
    settings.PORTICO_METRICS_TOKEN = ""
    settings.PORTICO_METRICS_ALLOW = []
    assert Browser().get("/metrics").status_code == 404


@pytest.mark.parametrize("sent", ["", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_anything_but_the_configured_bearer_token(metrics_token, sent):
    headers = {"HTTP_AUTHORIZATION": sent} if sent else {}
    response = Browser().get("/metrics", **headers)
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"portico_" not in response.content


def test_metrics_answer_an_allowed_network_without_a_token(settings):
    settings.PORTICO_METRICS_TOKEN = ""
    settings.PORTICO_METRICS_ALLOW = ["10.0.0.0/8"]
    assert Browser(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Browser(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403


def test_requests_are_counted_per_route_and_status(metrics_token):
    before = scrape()
    Browser().get("/health/live")
    Browser().post("/token", {"grant_type": "authorization_code"})
    after = scrape()
    live = {"route": "ops:live", "method": "GET", "status": "200"}
    token = {"route": "oidc:token", "method": "POST", "status": "400"}
    assert (
        value(after, "portico_http_requests_total", **live)
        == value(before, "portico_http_requests_total", **live) + 1
    )
    assert (
        value(after, "portico_http_requests_total", **token)
        == value(before, "portico_http_requests_total", **token) + 1
    )
    bucket = ("portico_http_request_duration_seconds_count", {"route": "oidc:token", "status": "400"})
    assert value(after, bucket[0], **bucket[1]) == value(before, bucket[0], **bucket[1]) + 1


def test_tokens_issued_are_counted_per_grant_type(metrics_token, browser, make_client):
    rp, secret = make_client()
    before = scrape()
    code, verifier = get_code(browser, rp)
    assert exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).status_code == 200
    after = scrape()
    name = "portico_tokens_issued_total"
    assert (
        value(after, name, grant_type="authorization_code")
        == value(before, name, grant_type="authorization_code") + 1
    )
    # The consent page was answered once, with allow.
    assert (
        value(after, "portico_consents_total", decision="given")
        == value(before, "portico_consents_total", decision="given") + 1
    )


def test_sign_ins_are_counted_by_outcome(metrics_token, make_user, settings):
    settings.PORTICO_THROTTLE_ACCOUNT = (1, 2)
    user = make_user()
    before = scrape()
    http = Browser()
    assert http.post("/login", {"username": user.username, "password": "wrong"}).status_code == 200
    # After one failure the next attempt must wait: refused before the password is looked at.
    assert http.post("/login", {"username": user.username, "password": user.raw_password}).status_code == 429
    after = scrape()
    name = "portico_sign_ins_total"
    assert value(after, name, outcome="failed") == value(before, name, outcome="failed") + 1
    assert value(after, name, outcome="throttled") == value(before, name, outcome="throttled") + 1
    assert value(after, name, outcome="succeeded") == value(before, name, outcome="succeeded")
    signed_in = Browser().post(
        "/login", {"username": make_user().username, "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302
    assert value(scrape(), name, outcome="succeeded") == value(before, name, outcome="succeeded") + 1


def test_key_age_and_logout_backlog_are_read_at_scrape_time(metrics_token):
    key = keys.create_signing_key(alg="ES256")
    SigningKey.objects.filter(alg="ES256", state="active").exclude(pk=key.pk).delete()
    SigningKey.objects.filter(pk=key.pk).update(activated_at=timezone.now() - timedelta(days=10))
    age = value(scrape(), "portico_signing_key_age_seconds", alg="ES256")
    assert 10 * 86400 <= age < 10 * 86400 + 3600
    assert ("portico_logout_deliveries", (("status", "pending"),)) in scrape()


def test_every_response_carries_a_request_id():
    given = Browser().get("/health/live", HTTP_X_REQUEST_ID="lb-1234.abc")
    assert given["X-Request-ID"] == "lb-1234.abc"
    replaced = Browser().get("/health/live", HTTP_X_REQUEST_ID="bad id\r\nwith spaces")
    assert replaced["X-Request-ID"] != "bad id\r\nwith spaces" and len(replaced["X-Request-ID"]) == 32


def test_health_checks_are_not_redirected_to_https(settings):
    """A load balancer checks a node over plain HTTP; pages still go to https."""
    settings.SECURE_SSL_REDIRECT = True
    assert Browser().get("/health/live").status_code == 200
    assert Browser().get("/health/ready").status_code == 200
    assert Browser().get("/login").status_code == 301


def test_invented_methods_do_not_grow_the_label_set(metrics_token):
    Browser().generic("BREW", "/health/live")
    samples = scrape()
    methods = {
        dict(labels).get("method") for name, labels in samples if name == "portico_http_requests_total"
    }
    assert "BREW" not in methods and "other" in methods
