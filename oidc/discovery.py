"""Discovery 1.0 section 3 / RFC 8414 2 metadata. Every value describes what this server actually does."""

from django.conf import settings
from django.urls import reverse

from accounts import conf as accounts_conf
from accounts import sessions

from . import claims, conf, pkce
from .constants import (
    ASSERTION_ALGS,
    AUTH_METHODS,
    DISPLAYS,
    GRANT_TYPE_NAMES,
    PROMPTS,
    REQUEST_OBJECT_ALGS,
    RESPONSE_MODES,
    RESPONSE_TYPES,
    SUBJECT_TYPES,
)

ASSERTION_SIGNING_ALGS = ASSERTION_ALGS["client_secret_jwt"] + ASSERTION_ALGS["private_key_jwt"]


def metadata() -> dict:
    def url(name: str) -> str:
        return conf.endpoint(reverse(name))

    document = {
        "issuer": conf.issuer(),
        "authorization_endpoint": url("oidc:authorize"),
        "token_endpoint": url("oidc:token"),
        "userinfo_endpoint": url("oidc:userinfo"),
        "jwks_uri": url("oidc:jwks"),
        "revocation_endpoint": url("oidc:revoke"),
        "scopes_supported": list(conf.scopes()),
        "response_types_supported": RESPONSE_TYPES,
        "response_modes_supported": list(RESPONSE_MODES),
        "grant_types_supported": list(GRANT_TYPE_NAMES),
        "subject_types_supported": list(SUBJECT_TYPES),
        "acr_values_supported": sessions.ACR_VALUES,
        "display_values_supported": sorted(DISPLAYS),
        "claim_types_supported": ["normal"],
        # Only languages the hosted pages are actually translated into (claims are not localized).
        "ui_locales_supported": [code for code, _name in settings.LANGUAGES],
        "id_token_signing_alg_values_supported": conf.signing_algs(),
        "userinfo_signing_alg_values_supported": conf.signing_algs(),
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_SIGNING_ALGS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_SIGNING_ALGS,
        "introspection_endpoint": url("oidc:introspect"),
        "introspection_endpoint_auth_methods_supported": [m for m in AUTH_METHODS if m != "none"],
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_SIGNING_ALGS,
        "code_challenge_methods_supported": list(pkce.SUPPORTED_METHODS),
        # "create" (Initiating User Registration via OpenID Connect 1.0) only while sign-up is open.
        "prompt_values_supported": sorted(
            PROMPTS - ({"create"} if not accounts_conf.signup_enabled() else set())
        ),
        "claims_supported": claims.SUPPORTED_CLAIMS,
        "claims_parameter_supported": True,
        # Core 6.1 and 6.2: request objects by value and by reference, under the same algorithm rules; a
        # client's request_uris are pre-registered only if it chooses to (Registration 2).
        "request_parameter_supported": True,
        "request_object_signing_alg_values_supported": REQUEST_OBJECT_ALGS,
        "request_uri_parameter_supported": True,
        "require_request_uri_registration": False,
        # RFC 9126 5: pushed authorization requests, required of every client or of those registered so.
        "pushed_authorization_request_endpoint": url("oidc:pushed-authorization-request"),
        "require_pushed_authorization_requests": conf.require_pushed_authorization_requests(),
        "authorization_response_iss_parameter_supported": True,
        # RP-Initiated Logout 1.0 2.1, Back-Channel Logout 1.0 2.1, Front-Channel Logout 1.0 3: logout_tokens
        # and front-channel URLs carry the sid of the sign-in (and iss, for front-channel).
        "end_session_endpoint": url("oidc:end-session"),
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
    }
    if conf.registration_mode() != "off":
        document["registration_endpoint"] = url("oidc:register")
    return document
