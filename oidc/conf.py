"""Typed access to Portico's own settings (the PORTICO_* names in config/settings.py)."""

from typing import Any

from django.conf import settings


def issuer() -> str:
    return settings.PORTICO_ISSUER


def endpoint(path: str) -> str:
    """An absolute URL under the issuer (Discovery 3: endpoints are derived from configuration, not Host)."""
    return issuer() + path


def scopes() -> dict[str, Any]:
    """Scope name -> description (translated when displayed)."""
    return settings.PORTICO_SCOPES


def id_token_ttl() -> int:
    return settings.PORTICO_ID_TOKEN_TTL


def playground_enabled() -> bool:
    return settings.PORTICO_PLAYGROUND


def code_ttl() -> int:
    return settings.PORTICO_CODE_TTL


def signing_algs() -> list[str]:
    return list(settings.PORTICO_SIGNING_ALGS)


def jwks_max_age() -> int:
    return settings.PORTICO_JWKS_MAX_AGE


def key_rotation_days() -> int:
    return settings.PORTICO_KEY_ROTATION_DAYS


def refresh_token_max_age() -> int:
    return settings.PORTICO_REFRESH_TOKEN_MAX_AGE


def refresh_token_ttl() -> int:
    return settings.PORTICO_REFRESH_TOKEN_TTL


def registration_mode() -> str:
    return settings.PORTICO_REGISTRATION


def registration_trusted_hosts() -> list[str]:
    return settings.PORTICO_REGISTRATION_TRUSTED_HOSTS


def fetch_deadline() -> float:
    """Seconds a whole fetch of a client document may take (connect, TLS, headers and body together)."""
    return settings.PORTICO_FETCH_DEADLINE


def fetch_failure_ttl() -> int:
    """Seconds a URL that could not be fetched is answered from the failure cache instead of fetched."""
    return settings.PORTICO_FETCH_FAILURE_TTL


def fetch_per_host() -> int:
    """Fetches one process runs at once to a single host."""
    return settings.PORTICO_FETCH_PER_HOST


def logout_retry_seconds() -> float:
    """The first back-channel logout retry waits this long; each later one twice the previous."""
    return settings.PORTICO_LOGOUT_RETRY_SECONDS


def logout_retry_period() -> int:
    """A back-channel logout still undelivered this many seconds after the sign-in ended is marked failed."""
    return settings.PORTICO_LOGOUT_RETRY_PERIOD


def logout_timeout() -> float:
    return settings.PORTICO_LOGOUT_TIMEOUT


def par_ttl() -> int:
    """Seconds a pushed authorization request's request_uri may be used (RFC 9126 2.2 expires_in)."""
    return settings.PORTICO_PAR_TTL


def require_pushed_authorization_requests() -> bool:
    """RFC 9126 5: every client must push its authorization requests."""
    return settings.PORTICO_REQUIRE_PUSHED_AUTHORIZATION_REQUESTS
