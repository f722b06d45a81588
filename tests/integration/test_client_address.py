"""The client address behind a proxy (accounts/clientinfo.py, accounts/conf.py) and what depends on it: the
/metrics allow-list (ops/metrics_view.py)."""

import pytest
from django.test import Client as Browser
from django.test import RequestFactory

from accounts.clientinfo import client_ip

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value", ["X-Forwarded-For", "x-forwarded-for", "HTTP_X_FORWARDED_FOR", " http_x_forwarded_for "]
)
def test_the_header_may_be_named_or_given_as_its_meta_key(settings, value):
    settings.PORTICO_CLIENT_IP_HEADER = value
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


@pytest.mark.parametrize("value", ["X-Forwarded-For", "HTTP_X_FORWARDED_FOR"])
def test_metrics_allow_list_judges_the_client_behind_the_load_balancer(settings, value):
    settings.PORTICO_CLIENT_IP_HEADER = value
    settings.PORTICO_METRICS_ALLOW = ["10.0.0.0/8"]
    settings.PORTICO_METRICS_TOKEN = ""
    settings.PORTICO_TRUSTED_PROXIES = ["10.0.0.2/32"]
    through_balancer = Browser(REMOTE_ADDR="10.0.0.2")
    assert through_balancer.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert through_balancer.get("/metrics", HTTP_X_FORWARDED_FOR="10.0.0.7").status_code == 200


def test_metrics_allow_list_judges_the_socket_peer_unless_it_is_a_trusted_proxy(settings):
    settings.PORTICO_METRICS_ALLOW = ["10.0.0.0/8"]
    settings.PORTICO_METRICS_TOKEN = ""
    settings.PORTICO_CLIENT_IP_HEADER = "X-Forwarded-For"
    direct = Browser(REMOTE_ADDR="203.0.113.9")
    for trusted in ([], ["10.0.0.2/32"]):
        settings.PORTICO_TRUSTED_PROXIES = trusted
        assert direct.get("/metrics").status_code == 403
        assert direct.get("/metrics", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 403  # forged
    assert Browser(REMOTE_ADDR="10.0.0.5").get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200


def test_the_header_is_believed_only_from_a_trusted_proxy(settings):
    settings.PORTICO_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.PORTICO_TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/8"]
    factory = RequestFactory()
    for proxy in ("10.0.0.2", "fd00::1"):
        assert client_ip(factory.get("/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")) == "203.0.113.9"
    stranger = factory.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(stranger) == "198.51.100.4"
    settings.PORTICO_TRUSTED_PROXIES = []  # unset: believed from any peer, as before (check --deploy warns)
    assert client_ip(stranger) == "203.0.113.9"
