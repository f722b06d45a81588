"""Operations settings, read in one place (environment in config/settings.py, typed values out)."""

import ipaddress

from django.conf import settings


def metrics_token() -> str:
    """The bearer token /metrics asks for; empty means no token is accepted."""
    return getattr(settings, "PORTICO_METRICS_TOKEN", "")


def metrics_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Networks allowed to read /metrics without a token; empty means none."""
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "PORTICO_METRICS_ALLOW", [])]


def log_format() -> str:
    return getattr(settings, "PORTICO_LOG_FORMAT", "text")
