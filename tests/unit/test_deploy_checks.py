"""Portico's `check --deploy` warnings (ops/checks.py): each fires on its unsafe combination and not on the
production-like settings scripts/test checks."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from ops import checks


def ids(found) -> list[str]:
    return [problem.id for problem in found]


def test_production_like_settings_raise_nothing(settings):
    settings.DEBUG = False
    settings.PORTICO_ISSUER = "https://id.example.com"
    found = [
        *checks.check_debug(),
        *checks.check_issuer_scheme(),
        *checks.check_secret_key_rotation(),
        *checks.check_open_registration(),
        *checks.check_metrics_protection(),
        *checks.check_shared_cache(),
        *checks.check_client_address_header(),
        *checks.check_trusted_proxies(),
    ]
    assert found == []


def test_debug_on(settings):
    settings.DEBUG = True
    assert ids(checks.check_debug()) == ["portico.W001"]


def test_http_issuer_core_3_1_2_1(settings):
    settings.PORTICO_ISSUER = "http://id.example.com"
    assert ids(checks.check_issuer_scheme()) == ["portico.W002"]


def test_secret_key_rotation_needs_the_old_key_as_fallback(settings):
    settings.PORTICO_SECRET_KEY_ROTATION = True
    settings.SECRET_KEY_FALLBACKS = []
    assert ids(checks.check_secret_key_rotation()) == ["portico.W003"]
    settings.SECRET_KEY_FALLBACKS = ["the-previous-secret-key"]
    assert checks.check_secret_key_rotation() == []


def test_open_registration_rfc7591_3(settings):
    settings.PORTICO_REGISTRATION = "open"
    assert ids(checks.check_open_registration()) == ["portico.W004"]
    settings.PORTICO_REGISTRATION_TRUSTED_HOSTS = ["*.example.com"]  # the policy: RFC 9700 4.11.2
    assert checks.check_open_registration() == []
    settings.PORTICO_REGISTRATION_TRUSTED_HOSTS = []
    settings.PORTICO_REGISTRATION = "token"
    assert checks.check_open_registration() == []


def test_metrics_open_to_everyone_or_with_a_short_token(settings):
    settings.PORTICO_METRICS_TOKEN = "short"
    settings.PORTICO_METRICS_ALLOW = ["10.0.0.0/8", "::/0"]
    assert ids(checks.check_metrics_protection()) == ["portico.W005", "portico.W006"]
    settings.PORTICO_METRICS_TOKEN = "x" * 32
    settings.PORTICO_METRICS_ALLOW = ["10.0.0.0/8"]
    assert checks.check_metrics_protection() == []


def test_a_per_process_cache_cannot_share_throttling(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids(checks.check_shared_cache()) == ["portico.W007"]


def test_check_deploy_fails_at_warning_level_and_a_silenced_id_is_accepted(settings):
    settings.PORTICO_REGISTRATION = "open"
    with pytest.raises(SystemCheckError, match="portico.W004"):
        call_command(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--tag",
            "security",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    settings.SILENCED_SYSTEM_CHECKS = ["portico.W004"]
    settings.PORTICO_ISSUER = "http://id.example.com"
    err = io.StringIO()
    call_command("check", "--deploy", "--tag", "security", stdout=io.StringIO(), stderr=err)
    assert "portico.W002" in err.getvalue() and "portico.W004" not in err.getvalue()


def test_behind_a_proxy_without_a_client_address_header(settings):
    settings.PORTICO_BEHIND_PROXY = True
    settings.PORTICO_CLIENT_IP_HEADER = ""
    assert ids(checks.check_client_address_header()) == ["portico.W008"]
    settings.PORTICO_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert checks.check_client_address_header() == []
    settings.PORTICO_BEHIND_PROXY = False
    settings.PORTICO_CLIENT_IP_HEADER = ""
    assert checks.check_client_address_header() == []


def test_a_client_address_header_believed_from_any_peer(settings):
    settings.PORTICO_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.PORTICO_TRUSTED_PROXIES = []
    assert ids(checks.check_trusted_proxies()) == ["portico.W009"]
    settings.PORTICO_TRUSTED_PROXIES = ["10.0.0.2/32"]
    assert checks.check_trusted_proxies() == []
    settings.PORTICO_CLIENT_IP_HEADER = ""
    settings.PORTICO_TRUSTED_PROXIES = []
    assert checks.check_trusted_proxies() == []
