"""GET /metrics: Prometheus text exposition, for a bearer token (PORTICO_METRICS_TOKEN) or an allowed network
(PORTICO_METRICS_ALLOW). With neither configured the endpoint does not exist: metrics tell an attacker
traffic, failure rates and key ages."""

import hmac
import ipaddress
import os

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from accounts.clientinfo import client_ip, peer_is_trusted_proxy

from . import conf
from .collectors import DatabaseCollector


def _bearer(request) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def allowed(request) -> bool:
    token = conf.metrics_token()
    # Constant time: the comparison must not tell how much of a guess was right.
    if token and hmac.compare_digest(_bearer(request).encode(), token.encode()):
        return True
    # The socket peer decides, unless it is a trusted proxy: then the client it names in its header.
    address = client_ip(request) if peer_is_trusted_proxy(request) else request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in conf.metrics_networks())


def process_exposition() -> bytes:
    """This process's counters, or with PROMETHEUS_MULTIPROC_DIR set every worker process's, added up (the
    files of workers that have exited still count: counters never go back)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def exposition() -> bytes:
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return process_exposition() + generate_latest(database)


@never_cache
@require_safe
def metrics(request):
    if not conf.metrics_token() and not conf.metrics_networks():
        raise Http404
    if not allowed(request):
        response = HttpResponse(
            "Forbidden\n", status=401 if conf.metrics_token() else 403, content_type="text/plain"
        )
        if conf.metrics_token():
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
