"""Portico settings: environment variables in, Django settings out. No logic beyond parsing."""

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_list, env_networks
from config.operations import (  # noqa: F401  (settings Django reads)
    LOGGING,
    PORTICO_AUDIT_RETENTION_DAYS,
    PORTICO_LOG_FORMAT,
    PORTICO_METRICS_ALLOW,
    PORTICO_METRICS_TOKEN,
    PORTICO_SECRET_KEY_ROTATION,
    SILENCED_SYSTEM_CHECKS,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTICO_VAR_DIR", BASE_DIR / "var"))


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """Production refuses to start without SECRET_KEY; development keeps a generated one in var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For development, set DEBUG=1 (scripts/run does) "
            "and a key is generated into var/."
        )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")

# The issuer identifies this provider in every token; it is configuration, never the Host header.
PORTICO_ISSUER = os.environ.get("PORTICO_ISSUER", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not PORTICO_ISSUER:
    raise ImproperlyConfigured("PORTICO_ISSUER must be set when DEBUG is off (e.g. https://id.example.com).")
# Encrypts signing keys at rest. Comma-separated: the first encrypts, the others still decrypt (rotation).
# Defaults to SECRET_KEY (and SECRET_KEY_FALLBACKS) when unset.
PORTICO_KEY_ENCRYPTION_KEYS = env_list("PORTICO_KEY_ENCRYPTION_KEY")
PORTICO_PLAYGROUND = env_bool("PORTICO_PLAYGROUND", DEBUG)
# Pairwise subject identifiers (Core 8.1) are derived with this salt: changing it changes every pairwise sub.
# Defaults to a value derived from SECRET_KEY; set it explicitly before SECRET_KEY is ever rotated.
PORTICO_PAIRWISE_SALT = (
    os.environ.get("PORTICO_PAIRWISE_SALT")
    or hashlib.sha256(f"portico-pairwise:{SECRET_KEY}".encode()).hexdigest()
)
# Dynamic client registration (RFC 7591): off, token (initial access tokens from an admin) or open.
PORTICO_REGISTRATION = os.environ.get("PORTICO_REGISTRATION", "off")
if PORTICO_REGISTRATION not in ("off", "token", "open"):
    raise ImproperlyConfigured("PORTICO_REGISTRATION must be off, token or open.")
# Open registration (RFC 9700 4.11.2): when set, openly registered clients may only use redirect URIs on these
# hosts ("app.example.com", or "*.example.com" for its subdomains), and their errors redirect without a click.
PORTICO_REGISTRATION_TRUSTED_HOSTS = env_list("PORTICO_REGISTRATION_TRUSTED_HOSTS")
# Registration requests one client network may make an hour (open registration is otherwise unbounded).
PORTICO_REGISTRATION_PER_HOUR = int(os.environ.get("PORTICO_REGISTRATION_PER_HOUR", "20"))
# Fetching client documents (jwks_uri) from loopback/private addresses: development and tests only.
PORTICO_ALLOW_PRIVATE_FETCH = env_bool("PORTICO_ALLOW_PRIVATE_FETCH", DEBUG)
# Fetches of client documents triggered by unauthenticated requests: the whole fetch ends after this many
# seconds, a failed URL is not fetched again for PORTICO_FETCH_FAILURE_TTL seconds, and a process runs at most
# PORTICO_FETCH_PER_HOST fetches to one host at a time (the others fail at once instead of waiting).
PORTICO_FETCH_DEADLINE = float(os.environ.get("PORTICO_FETCH_DEADLINE", "4"))
PORTICO_FETCH_FAILURE_TTL = int(os.environ.get("PORTICO_FETCH_FAILURE_TTL", "60"))
PORTICO_FETCH_PER_HOST = int(os.environ.get("PORTICO_FETCH_PER_HOST", "2"))
# Pushed authorization requests (RFC 9126): a request_uri is valid this many seconds (short: it is a bearer
# reference to the request); with REQUIRE on, /authorize accepts only pushed requests from every client.
PORTICO_PAR_TTL = int(os.environ.get("PORTICO_PAR_TTL", "60"))
PORTICO_REQUIRE_PUSHED_AUTHORIZATION_REQUESTS = env_bool(
    "PORTICO_REQUIRE_PUSHED_AUTHORIZATION_REQUESTS", False
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
    "django_tasks",
    "django_tasks.backends.database",
    "accounts",
    "oidc",
    "ops",
    "audit",
]

MIDDLEWARE = [
    # First: times, counts and logs every request, and answers 503 when the database cannot be reached.
    "ops.middleware.OperationsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "oidc.cors.CorsMiddleware",  # django-cors-headers', skipped without an Origin header
    "oidc.middleware.MachineEndpointsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "accounts.middleware.UILocalesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SignInActivityMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oidc.middleware.ContentSecurityPolicyMiddleware",
]
# What the machine endpoints (token, introspection, revocation, userinfo, registration, discovery, JWKS) pass
# through after SecurityMiddleware instead of the rest of MIDDLEWARE (oidc/middleware.py).
PORTICO_MACHINE_MIDDLEWARE = [
    "audit.middleware.AuditContextMiddleware",  # dynamic registration's client_created names the client
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oidc.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portico.sqlite3'}",
        # Persistent connections: a new PostgreSQL connection per request costs more than the request.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        # A health check is a SELECT 1 before each request's first query: a second round trip on every
        # token and userinfo request. Off by default; a connection lost to a database restart fails one
        # request and is then replaced.
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every worker process (fetch failure cache, verification resends): created by a migration.
    # Sign-in throttle counters are not kept here but in accounts_throttlecounter (row locks).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portico_cache",
            # Culling deletes a third of the table by key order: keep it rare.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Client secrets only: keyed SHA-256, see oidc/secrets.py for why not a password hasher.
    "oidc.secrets.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portico <no-reply@localhost>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# Accounts (accounts/conf.py reads these).
PORTICO_SIGNUP = os.environ.get("PORTICO_SIGNUP", "open" if DEBUG else "closed")
if PORTICO_SIGNUP not in ("open", "invite", "closed"):
    raise ImproperlyConfigured("PORTICO_SIGNUP must be open, invite or closed.")
PORTICO_TERMS_URL = os.environ.get("PORTICO_TERMS_URL", "")
PORTICO_PRIVACY_URL = os.environ.get("PORTICO_PRIVACY_URL", "")
# The client address: REMOTE_ADDR, or the last hop of this header when a trusted reverse proxy sets it
# (e.g. X-Forwarded-For). Never trusted unless configured: anyone can send the header.
PORTICO_CLIENT_IP_HEADER = os.environ.get("PORTICO_CLIENT_IP_HEADER", "")
# The proxies whose client-address header is believed (networks, comma-separated). Empty with the header set:
# the header is believed from any peer (check --deploy warns, portico.W009).
PORTICO_TRUSTED_PROXIES = env_networks("PORTICO_TRUSTED_PROXIES")
PORTICO_REMEMBER_ME_DAYS = int(os.environ.get("PORTICO_REMEMBER_ME_DAYS", "30"))
# Sign-in throttling per account and per client IP: after SLOW failures each attempt waits (doubling up to a
# minute); after LOCK failures sign-in is paused for LOCK_MINUTES. Counted over LOCK_MINUTES.
PORTICO_THROTTLE_ACCOUNT = (
    int(os.environ.get("PORTICO_THROTTLE_ACCOUNT_SLOW", "5")),
    int(os.environ.get("PORTICO_THROTTLE_ACCOUNT_LOCK", "10")),
)
PORTICO_THROTTLE_IP = (
    int(os.environ.get("PORTICO_THROTTLE_IP_SLOW", "20")),
    int(os.environ.get("PORTICO_THROTTLE_IP_LOCK", "100")),
)
PORTICO_THROTTLE_LOCK_MINUTES = int(os.environ.get("PORTICO_THROTTLE_LOCK_MINUTES", "15"))
# WebAuthn relying party: the issuer's host and origin unless set (an IP address is not a valid RP ID).
PORTICO_WEBAUTHN_RP_ID = os.environ.get("PORTICO_WEBAUTHN_RP_ID", "")
PORTICO_WEBAUTHN_ORIGIN = os.environ.get("PORTICO_WEBAUTHN_ORIGIN", "")
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))

# Security headers. HTTPS-only settings follow the issuer's scheme, so a production issuer on https gets
# the full set while a loopback development server keeps working over plain http.
_HTTPS = PORTICO_ISSUER.startswith("https://")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
# Load-balancer health checks and metrics scrapes reach a node directly over plain HTTP, without the
# X-Forwarded-Proto a proxied request carries: a redirect to https would fail them.
SECURE_REDIRECT_EXEMPT = [r"^health/(live|ready)$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if _HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _HTTPS)
PORTICO_BEHIND_PROXY = env_bool("PORTICO_BEHIND_PROXY", False)
if PORTICO_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [PORTICO_ISSUER] + env_list("CSRF_TRUSTED_ORIGINS")
SESSION_COOKIE_NAME = "portico_session"
# Session keys are stored only as keyed digests (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["oidc.api.parsers.StrictJSONParser"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The management API's OpenAPI document (/api/v1/schema), generated from its views (oidc/api/).
SPECTACULAR_SETTINGS = {
    "TITLE": "Portico management API",
    "DESCRIPTION": "Clients, initial access tokens and signing keys. Authenticate with an access token for "
    "the portico:admin scope, obtained by a management client with client_credentials.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"SigningAlgorithmEnum": "oidc.constants.SIGNING_ALGS"},
    "PREPROCESSING_HOOKS": ["oidc.api.schema.management_api_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "oidc.api.schema.served_by_this_issuer",
    ],
}

# Cross-origin reads by browser-based clients (django-cors-headers): on these endpoints only, and for each
# request the origins its client registered (oidc/cors.py decides through check_request_enabled). No
# cookies are involved (CORS_ALLOW_CREDENTIALS stays off). Discovery and the JWKS allow every origin.
CORS_URLS_REGEX = r"^/(token|par|revoke|introspect|userinfo)$"
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "dpop"]
CORS_EXPOSE_HEADERS = ["WWW-Authenticate"]

# Lifetimes in seconds (RFC 9700 4.2.1 short-lived codes; refresh tokens rotate, see oidc/conf.py).
PORTICO_CODE_TTL = int(os.environ.get("PORTICO_CODE_TTL", "60"))
PORTICO_ACCESS_TOKEN_TTL = int(os.environ.get("PORTICO_ACCESS_TOKEN_TTL", "3600"))
PORTICO_ID_TOKEN_TTL = int(os.environ.get("PORTICO_ID_TOKEN_TTL", "3600"))
# Refresh tokens: sliding (each use rotates and restarts PORTICO_REFRESH_TOKEN_TTL), never beyond
# PORTICO_REFRESH_TOKEN_MAX_AGE after the sign-in that started the chain.
PORTICO_REFRESH_TOKEN_TTL = int(os.environ.get("PORTICO_REFRESH_TOKEN_TTL", str(30 * 24 * 3600)))
PORTICO_REFRESH_TOKEN_MAX_AGE = int(os.environ.get("PORTICO_REFRESH_TOKEN_MAX_AGE", str(90 * 24 * 3600)))

# Signing keys (oidc/keys.py, oidc/rotation.py). RS256 is always enabled (OpenID Connect Core 15.1).
PORTICO_SIGNING_ALGS = ["RS256"] + [
    alg
    for alg in os.environ.get("PORTICO_SIGNING_ALGS", "PS256,ES256,EdDSA").replace(" ", "").split(",")
    if alg and alg != "RS256"
]
if set(PORTICO_SIGNING_ALGS) - {"RS256", "PS256", "ES256", "EdDSA"}:
    raise ImproperlyConfigured("PORTICO_SIGNING_ALGS: choose among RS256, PS256, ES256, EdDSA.")
PORTICO_JWKS_MAX_AGE = int(os.environ.get("PORTICO_JWKS_MAX_AGE", "300"))
PORTICO_KEY_ROTATION_DAYS = int(os.environ.get("PORTICO_KEY_ROTATION_DAYS", "90"))
# Back-Channel Logout deliveries (oidc/logout/delivery.py): the first retry after this many seconds, doubling
# each time, until the delivery is this many seconds old; then it is marked failed.
PORTICO_LOGOUT_RETRY_SECONDS = float(os.environ.get("PORTICO_LOGOUT_RETRY_SECONDS", "10"))
PORTICO_LOGOUT_RETRY_PERIOD = int(os.environ.get("PORTICO_LOGOUT_RETRY_PERIOD", str(24 * 3600)))
PORTICO_LOGOUT_TIMEOUT = float(os.environ.get("PORTICO_LOGOUT_TIMEOUT", "5"))
# Descriptions shown on the consent page, translated at display time.
PORTICO_SCOPES = {
    "openid": _("Sign you in"),
    "profile": _("See your name, username, profile picture and other profile details"),
    "email": _("See your email address"),
    "address": _("See your postal address"),
    "phone": _("See your phone number"),
    "offline_access": _("Keep access when you are not using the app"),
}

# django-oauth-toolkit is configured here and only here.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client"
OAUTH2_PROVIDER_GRANT_MODEL = "oidc.Grant"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oidc.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oidc.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oidc.IDToken"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": PORTICO_ISSUER,
    "OAUTH2_VALIDATOR_CLASS": "oidc.validator.PorticoValidator",
    "OIDC_SERVER_CLASS": "oidc.server.PorticoServer",
    "SCOPES": PORTICO_SCOPES,
    "DEFAULT_SCOPES": ["openid"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": PORTICO_CODE_TTL,
    "ACCESS_TOKEN_EXPIRE_SECONDS": PORTICO_ACCESS_TOKEN_TTL,
    "ID_TOKEN_EXPIRE_SECONDS": PORTICO_ID_TOKEN_TTL,
    "REFRESH_TOKEN_EXPIRE_SECONDS": PORTICO_REFRESH_TOKEN_TTL,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "CLIENT_SECRET_HASHER": "portico_client_secret",
    "CLIENT_SECRET_GENERATOR_LENGTH": 64,
    "ACCESS_TOKEN_GENERATOR": "oidc.secrets.new_token",
    "REFRESH_TOKEN_GENERATOR": "oidc.secrets.new_token",
    # RFC 9700 2.1 / 4.1.1: https redirect URIs when the issuer itself is on https.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if _HTTPS else ["http", "https"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
}

# Background work (back-channel logout deliveries) runs in `manage.py db_worker`, a process of its own; the
# task rows live in the database, written in the same transaction as the work they stand for.
TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}
