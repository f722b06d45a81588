"""Protocol vocabulary: the names Portico supports, in one leaf module that imports nothing of Portico's.

Every other module (models, metadata rules, discovery, the CLI, the management API) takes its lists from
here, so what discovery advertises and what validation accepts cannot drift apart.
"""

# RFC 7591 2: grant types a client may register.
GRANT_TYPE_NAMES = ("authorization_code", "refresh_token", "client_credentials", "implicit")

# OAuth 2.0 Multiple Response Types 3 and Core 3: the response types Portico answers, each with the grant
# types it needs (RFC 7591 2.1).
RESPONSE_TYPE_GRANTS: dict[str, set[str]] = {
    "code": {"authorization_code"},
    "id_token": {"implicit"},
    "id_token token": {"implicit"},
    "code id_token": {"authorization_code", "implicit"},
    "code token": {"authorization_code", "implicit"},
    "code id_token token": {"authorization_code", "implicit"},
}
RESPONSE_TYPES = list(RESPONSE_TYPE_GRANTS)

# Core 9 / RFC 7591 2: client authentication methods at the token endpoint family.
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]
SECRET_AUTH_METHODS = frozenset({"client_secret_basic", "client_secret_post", "client_secret_jwt"})
# RFC 7518 3.2 for client_secret_jwt; asymmetric algorithms for private_key_jwt (Core 9).
ASSERTION_ALGS = {
    "client_secret_jwt": ["HS256", "HS384", "HS512"],
    "private_key_jwt": [
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    ],
}

# JWS algorithms Portico signs with (RFC 7518 3, RFC 8037 3.1). RS256 is the OpenID Connect default (Core
# 15.1). HS256 is deliberately absent: client secrets are stored as digests, so there is no secret to MAC
# with, and "none" is never produced (RFC 8725 3.2).
SIGNING_ALGS = ["RS256", "PS256", "ES256", "EdDSA"]
# Request objects (Core 6.1, RFC 9101): signed with an asymmetric algorithm, never HMAC (RFC 8725 2.1 and
# 3.1), or unsigned ("none", Registration 2).
REQUEST_OBJECT_SIGNING_ALGS = list(SIGNING_ALGS)
REQUEST_OBJECT_ALGS = [*REQUEST_OBJECT_SIGNING_ALGS, "none"]

# Core 3.1.2.1 and Initiating User Registration via OpenID Connect 1.0.
PROMPTS = frozenset({"none", "login", "consent", "select_account", "create"})
DISPLAYS = frozenset({"page", "popup", "touch", "wap"})
# Core 5.5: where individually requested claims are delivered.
CLAIM_TARGETS = ("id_token", "userinfo")
# acr levels (accounts/sessions.py): "1" one factor, "2" more than one. Higher satisfies lower.
ACR_LEVELS = ("1", "2")

# OAuth 2.0 Multiple Response Types 2 and 5, Form Post Response Mode.
RESPONSE_MODES = ("query", "fragment", "form_post")

SUBJECT_TYPES = ("public", "pairwise")
