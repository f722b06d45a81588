"""`manage.py check --deploy`: Portico's own warnings about unsafe production combinations. An operator who
has decided otherwise silences one by id (PORTICO_SILENCED_CHECKS), which is the record of that decision."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from accounts import conf as accounts_conf

from . import conf

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
MIN_METRICS_TOKEN = 32


@register(Tags.security, deploy=True)
def check_debug(app_configs=None, **kwargs):
    if settings.DEBUG:
        return [
            Warning(
                "DEBUG is on: error pages show settings and source code.",
                hint="Set DEBUG=0.",
                id="portico.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_issuer_scheme(app_configs=None, **kwargs):
    """Core 3.1.2.1 / RFC 9700 2.6: the issuer and every endpoint are https."""
    if not settings.PORTICO_ISSUER.startswith("https://"):
        return [
            Warning(
                f"The issuer {settings.PORTICO_ISSUER} is not https: tokens, codes and session cookies "
                "travel in clear text, and secure cookies and HSTS are off.",
                hint="Set PORTICO_ISSUER to an https:// URL.",
                id="portico.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_secret_key_rotation(app_configs=None, **kwargs):
    """During a SECRET_KEY rotation the old key must stay a fallback: sessions, password reset links and,
    when PORTICO_KEY_ENCRYPTION_KEY is unset, the signing keys at rest depend on it."""
    if getattr(settings, "PORTICO_SECRET_KEY_ROTATION", False) and not settings.SECRET_KEY_FALLBACKS:
        return [
            Warning(
                "PORTICO_SECRET_KEY_ROTATION is on but SECRET_KEY_FALLBACKS is empty: every session ends "
                "and signing keys encrypted under the old key cannot be decrypted.",
                hint="Put the previous SECRET_KEY in SECRET_KEY_FALLBACKS until the rotation is done "
                "(docs/operations.md).",
                id="portico.W003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_open_registration(app_configs=None, **kwargs):
    """RFC 7591 3: open registration lets anyone create clients, so nothing limits who appears on consent pages."""
    if settings.PORTICO_REGISTRATION == "open" and not settings.PORTICO_REGISTRATION_TRUSTED_HOSTS:
        return [
            Warning(
                "Dynamic client registration is open to any redirect URI: anyone can register a client "
                "(its early errors wait for a click, RFC 9700 4.11.2).",
                hint="Use PORTICO_REGISTRATION=token (initial access tokens), limit open registration with "
                "PORTICO_REGISTRATION_TRUSTED_HOSTS, or silence portico.W004 if this is the policy.",
                id="portico.W004",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_metrics_protection(app_configs=None, **kwargs):
    token = conf.metrics_token()
    problems = []
    if token and len(token) < MIN_METRICS_TOKEN:
        problems.append(
            Warning(
                f"PORTICO_METRICS_TOKEN is shorter than {MIN_METRICS_TOKEN} characters.",
                hint="Use a random token (e.g. openssl rand -hex 32).",
                id="portico.W005",
            )
        )
    if any(network.prefixlen == 0 for network in conf.metrics_networks()):
        problems.append(
            Warning(
                "PORTICO_METRICS_ALLOW lets every address read /metrics.",
                hint="Allow the scraper's network only, or use PORTICO_METRICS_TOKEN.",
                id="portico.W006",
            )
        )
    return problems


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """The fetch failure memory (a client document that failed is not fetched again for a while), fetched
    documents and mail resend limits must be seen by every process on every node; a per-process cache lets an
    attacker multiply fetches and mails by the number of processes. (Sign-in throttle counters live in the
    database whatever the cache.)"""
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            Warning(
                "The default cache is per process: failed client-document fetches, fetched documents and "
                "mail resend limits are not shared between processes and nodes.",
                hint="Set REDIS_URL, or keep the database cache (the default).",
                id="portico.W007",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_client_address_header(app_configs=None, **kwargs):
    """Behind a proxy REMOTE_ADDR is the proxy's: without its client-address header every visitor shares one
    sign-in throttle bucket and the /metrics allow-list judges the proxy, not the visitor."""
    if getattr(settings, "PORTICO_BEHIND_PROXY", False) and not accounts_conf.client_ip_header():
        return [
            Warning(
                "PORTICO_BEHIND_PROXY is on but PORTICO_CLIENT_IP_HEADER is unset: every request seems to "
                "come from the proxy's address.",
                hint="Set PORTICO_CLIENT_IP_HEADER to the header the proxy sets (e.g. X-Forwarded-For).",
                id="portico.W008",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs=None, **kwargs):
    """Without PORTICO_TRUSTED_PROXIES the client-address header is believed from any peer: a client that
    reaches a node directly picks its own address (throttle buckets, the audit log)."""
    if accounts_conf.client_ip_header() and not accounts_conf.trusted_proxies():
        return [
            Warning(
                "PORTICO_CLIENT_IP_HEADER is set but PORTICO_TRUSTED_PROXIES is empty: the header is believed "
                "from any peer, so a client reaching a node directly can choose its address.",
                hint="Set PORTICO_TRUSTED_PROXIES to the proxies' networks (e.g. 10.0.0.2/32).",
                id="portico.W009",
            )
        ]
    return []
