"""Typed access to the accounts settings (PORTICO_SIGNUP and friends in config/settings.py)."""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


def signup_mode() -> str:
    """open: anyone may sign up; invite: with an invitation; closed: accounts are made by admins."""
    return settings.PORTICO_SIGNUP


def signup_enabled() -> bool:
    return signup_mode() != "closed"


def terms_url() -> str:
    return settings.PORTICO_TERMS_URL


def privacy_url() -> str:
    return settings.PORTICO_PRIVACY_URL


def client_ip_header() -> str:
    """The META key of the trusted proxy's client-address header, e.g. HTTP_X_FORWARDED_FOR, or "". The setting
    may name the header (X-Forwarded-For) or its META key (HTTP_X_FORWARDED_FOR): both mean the same header."""
    name = settings.PORTICO_CLIENT_IP_HEADER.strip().upper().replace("-", "_")
    name = name.removeprefix("HTTP_")
    return "HTTP_" + name if name else ""


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks whose client-address header is believed; empty means any peer's (the old behaviour)."""
    return [ipaddress.ip_network(n.strip(), strict=False) for n in settings.PORTICO_TRUSTED_PROXIES]


def remember_me_seconds() -> int:
    return settings.PORTICO_REMEMBER_ME_DAYS * 24 * 3600


@dataclass(frozen=True)
class ThrottleLimits:
    slow_after: int
    lock_after: int


def throttle_account() -> ThrottleLimits:
    return ThrottleLimits(*settings.PORTICO_THROTTLE_ACCOUNT)


def throttle_ip() -> ThrottleLimits:
    return ThrottleLimits(*settings.PORTICO_THROTTLE_IP)


def throttle_window() -> int:
    return settings.PORTICO_THROTTLE_LOCK_MINUTES * 60


def base_url() -> str:
    """Links in emails are built from the issuer, never from the request's Host header (host poisoning)."""
    return settings.PORTICO_ISSUER


def webauthn_origin() -> str:
    return settings.PORTICO_WEBAUTHN_ORIGIN or settings.PORTICO_ISSUER


def webauthn_rp_id() -> str:
    return settings.PORTICO_WEBAUTHN_RP_ID or (urlsplit(webauthn_origin()).hostname or "localhost")
