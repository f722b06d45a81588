"""Client metadata cases shared by the registration and management API tests (same rules, same errors)."""

VALID = {
    "client_name": "Registered App",
    "client_name#fr": "Appli enregistrée",
    "redirect_uris": ["https://app.example.org/cb"],
    "post_logout_redirect_uris": ["https://app.example.org/bye"],
    # Back-Channel Logout 1.0 2.2, Front-Channel Logout 1.0 2.
    "backchannel_logout_uri": "https://app.example.org/backchannel",
    "backchannel_logout_session_required": True,
    "frontchannel_logout_uri": "https://app.example.org/frontchannel",
    "frontchannel_logout_session_required": True,
    "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
    "response_types": ["code"],
    "contacts": ["ops@example.org"],
    "logo_uri": "https://app.example.org/logo.png",
    "id_token_signed_response_alg": "ES256",
    "default_max_age": 3600,
    "require_auth_time": True,
    "software_statement_unknown_member": "ignored",
}

# (change to VALID, expected error, text the error_description must name) - RFC 7591 3.2.2.
BAD_METADATA = [
    ({"redirect_uris": ["https://app.example.org/cb#x"]}, "invalid_redirect_uri", "redirect_uris"),
    (
        {"redirect_uris": ["http://app.example.org/cb"], "application_type": "native"},
        "invalid_redirect_uri",
        "redirect_uris",
    ),
    ({"redirect_uris": "https://app.example.org/cb"}, "invalid_redirect_uri", "redirect_uris"),
    ({"redirect_uris": []}, "invalid_redirect_uri", "redirect_uris"),
    ({"logo_uri": "http://app.example.org/logo.png"}, "invalid_client_metadata", "logo_uri"),
    ({"policy_uri": "javascript:alert(1)"}, "invalid_client_metadata", "policy_uri"),
    ({"tos_uri": 42}, "invalid_client_metadata", "tos_uri"),
    ({"grant_types": ["password"]}, "invalid_client_metadata", "grant_types"),
    ({"response_types": ["code id_token"]}, "invalid_client_metadata", "grant_types"),
    (
        {"token_endpoint_auth_method": "tls_client_auth"},
        "invalid_client_metadata",
        "token_endpoint_auth_method",
    ),
    ({"token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata", "jwks"),
    ({"id_token_signed_response_alg": "none"}, "invalid_client_metadata", "id_token_signed_response_alg"),
    (
        {"id_token_signed_response_alg": "HS256"},
        "invalid_client_metadata",
        "id_token_signed_response_alg",
    ),
    ({"userinfo_signed_response_alg": "XX"}, "invalid_client_metadata", "userinfo_signed_response_alg"),
    # "none" is an algorithm only for request objects (Registration 2); never HMAC there (RFC 8725 2.1).
    ({"userinfo_signed_response_alg": "none"}, "invalid_client_metadata", "userinfo_signed_response_alg"),
    ({"request_object_signing_alg": "HS256"}, "invalid_client_metadata", "request_object_signing_alg"),
    ({"subject_type": "pairwise_or_not"}, "invalid_client_metadata", "subject_type"),
    (
        {
            "subject_type": "pairwise",
            "redirect_uris": ["https://a.example.org/cb", "https://b.example.org/cb"],
        },
        "invalid_client_metadata",
        "sector_identifier_uri",
    ),
    (
        {"sector_identifier_uri": "ftp://app.example.org/sector"},
        "invalid_client_metadata",
        "sector_identifier_uri",
    ),
    ({"default_max_age": -1}, "invalid_client_metadata", "default_max_age"),
    ({"default_max_age": "3600"}, "invalid_client_metadata", "default_max_age"),
    ({"require_auth_time": "yes"}, "invalid_client_metadata", "require_auth_time"),
    ({"contacts": "ops@example.org"}, "invalid_client_metadata", "contacts"),
    ({"jwks": "not a set"}, "invalid_client_metadata", "jwks"),
    (
        {"initiate_login_uri": "http://app.example.org/login"},
        "invalid_client_metadata",
        "initiate_login_uri",
    ),
    (
        {"backchannel_logout_uri": "https://app.example.org/bc#x"},
        "invalid_client_metadata",
        "backchannel_logout_uri",
    ),
    (
        {"backchannel_logout_uri": "javascript:alert(1)"},
        "invalid_client_metadata",
        "backchannel_logout_uri",
    ),
    (
        {"frontchannel_logout_uri": "https://app.example.org/fc#x"},
        "invalid_client_metadata",
        "frontchannel_logout_uri",
    ),
    (
        {"backchannel_logout_session_required": "yes"},
        "invalid_client_metadata",
        "backchannel_logout_session_required",
    ),
    (
        {"post_logout_redirect_uris": ["https://app.example.org/bye#x"]},
        "invalid_client_metadata",
        "post_logout_redirect_uris",
    ),
    ({"request_uris": ["ftp://app.example.org/r.jwt"]}, "invalid_client_metadata", "request_uris"),
    ({"request_uris": "https://app.example.org/r.jwt"}, "invalid_client_metadata", "request_uris"),
    ({"request_uris": ["https://[::1/r.jwt"]}, "invalid_client_metadata", "request_uris"),
    (
        {"require_pushed_authorization_requests": "yes"},
        "invalid_client_metadata",
        "require_pushed_authorization_requests",
    ),
    ({"client_name": "x\u0000y"}, "invalid_client_metadata", "NUL"),
    ({"client_name#fr": ""}, "invalid_client_metadata", "client_name#fr"),
]
