"""What `manage.py` assumes when nothing is configured: a development checkout.

Production is configured through the environment (SECRET_KEY, PORTICO_ISSUER, DATABASE_URL, ...; see
README). When none of those (nor any other PORTICO_* variable, ALLOWED_HOSTS, REDIS_URL or
SECRET_KEY_FALLBACKS) is set and DEBUG is not either, manage.py runs with DEBUG=1, as scripts/run
does, and says so on stderr: a fresh checkout's `manage.py --help`, `migrate` or `oidc_client` work without
exporting anything. As soon as any of them is set the environment is taken as it is, so a half-configured
production refuses to start (config/settings.py) instead of silently becoming a development server. The web
servers (config/wsgi.py, config/asgi.py) never apply this default.
"""

import os
import sys
from collections.abc import MutableMapping

PRODUCTION_MARKERS = (
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "DATABASE_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
)
# Any Portico setting (PORTICO_ISSUER, PORTICO_TRUSTED_PROXIES, ...) is configuration too.
PRODUCTION_PREFIX = "PORTICO_"
# Where development keeps its files (and the tests their own): not a sign of a production environment.
DEVELOPMENT_ONLY = frozenset({"PORTICO_VAR_DIR"})


def configured(environ: MutableMapping[str, str]) -> bool:
    return any(
        name in PRODUCTION_MARKERS or (name.startswith(PRODUCTION_PREFIX) and name not in DEVELOPMENT_ONLY)
        for name in environ
    )


def apply_development_default(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Set DEBUG=1 when the environment configures nothing; True when it did."""
    if configured(environ):
        return False
    environ["DEBUG"] = "1"
    print(
        "Nothing configured (no SECRET_KEY, PORTICO_ISSUER, DATABASE_URL or DEBUG): development settings "
        "(DEBUG=1). Set them for production.",
        file=sys.stderr,
    )
    return True
