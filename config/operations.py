"""Operations settings (logs, metrics, deployment checks, audit retention), read by config/settings.py."""

import ipaddress
import os

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_list

DEBUG = env_bool("DEBUG", False)

# Logs: JSON lines in production (one per request from ops/requestlog.py), readable text in development.
PORTICO_LOG_FORMAT = os.environ.get("PORTICO_LOG_FORMAT", "text" if DEBUG else "json")
if PORTICO_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("PORTICO_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ops.requestlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": PORTICO_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # oauthlib logs whole requests (codes, secrets) at DEBUG; keep it quiet whatever LOG_LEVEL says.
    "loggers": {"oauthlib": {"level": "WARNING"}, "oauth2_provider": {"level": "WARNING"}},
}

# GET /metrics (ops/metrics_view.py) answers a bearer token equal to PORTICO_METRICS_TOKEN, or a client address
# in PORTICO_METRICS_ALLOW (comma-separated networks, e.g. 10.0.0.0/8); with neither set it does not exist.
# With several worker processes per node set PROMETHEUS_MULTIPROC_DIR (docs/operations.md).
PORTICO_METRICS_TOKEN = os.environ.get("PORTICO_METRICS_TOKEN", "")
PORTICO_METRICS_ALLOW = env_list("PORTICO_METRICS_ALLOW")
try:
    [ipaddress.ip_network(network, strict=False) for network in PORTICO_METRICS_ALLOW]
except ValueError as error:
    raise ImproperlyConfigured(f"PORTICO_METRICS_ALLOW: {error}") from None
# Set while SECRET_KEY is being rotated: check --deploy then insists on SECRET_KEY_FALLBACKS (ops/checks.py).
PORTICO_SECRET_KEY_ROTATION = env_bool("PORTICO_SECRET_KEY_ROTATION", False)
# System check ids an operator has decided to accept, e.g. portico.W004 when open registration is the policy.
SILENCED_SYSTEM_CHECKS = env_list("PORTICO_SILENCED_CHECKS")

# Audit events (audit/) older than this many days are deleted by audit_purge (and purge_tokens); 0 keeps them.
PORTICO_AUDIT_RETENTION_DAYS = int(os.environ.get("PORTICO_AUDIT_RETENTION_DAYS", "365"))
