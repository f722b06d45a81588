"""Shapes of the management API's documents, for the OpenAPI schema and for the inputs the API owns.

Client metadata is *validated* by oidc/registration.py and oidc/metadata.py (the rules dynamic registration
uses); ClientMetadata only describes it. The schema tests check every live response against these shapes.
"""

from rest_framework import serializers

from ..constants import AUTH_METHODS, GRANT_TYPE_NAMES, REQUEST_OBJECT_ALGS, RESPONSE_TYPES, SIGNING_ALGS
from ..models import SigningKey


def _uris(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.URLField(), required=False, help_text=help_text)


def _strings(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False, help_text=help_text)


def _uri(help_text: str) -> serializers.URLField:
    return serializers.URLField(required=False, allow_blank=True, help_text=help_text)


def _alg(help_text: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(SIGNING_ALGS, required=False, allow_blank=True, help_text=help_text)


class ClientMetadata(serializers.Serializer):
    """RFC 7591 2 / OpenID Connect Registration 2 metadata plus Portico's own flags. Omitted members take
    their defaults on create and PUT (RFC 7592 2.2); PATCH changes only the members sent. Localized names
    are sent as client_name#<language tag>, e.g. "client_name#fr"."""

    client_name = serializers.CharField(required=False, max_length=255)
    redirect_uris = _uris("Exact-match redirect URIs (https for web clients in production).")
    post_logout_redirect_uris = _uris("Where RP-initiated logout may send the user back to.")
    request_uris = _uris(
        "Request objects by reference (Core 6.2) are fetched only from these (fragment ignored); empty: any "
        "https URL."
    )
    response_types = serializers.ListField(child=serializers.ChoiceField(RESPONSE_TYPES), required=False)
    grant_types = serializers.ListField(child=serializers.ChoiceField(list(GRANT_TYPE_NAMES)), required=False)
    application_type = serializers.ChoiceField(["web", "native"], required=False)
    token_endpoint_auth_method = serializers.ChoiceField(AUTH_METHODS, required=False)
    token_endpoint_auth_signing_alg = serializers.CharField(required=False, allow_blank=True)
    jwks = serializers.JSONField(required=False, help_text="The client's public keys as a JWK Set.")
    jwks_uri = _uri("Where the client's JWK Set is fetched from (https).")
    logo_uri = _uri("https only.")
    client_uri = _uri("The client's home page.")
    policy_uri = _uri("https only.")
    tos_uri = _uri("https only.")
    contacts = _strings("E-mail addresses of the people responsible for the client.")
    id_token_signed_response_alg = _alg("Defaults to RS256.")
    userinfo_signed_response_alg = _alg("Empty: plain JSON userinfo.")
    request_object_signing_alg = serializers.ChoiceField(
        REQUEST_OBJECT_ALGS,
        required=False,
        allow_blank=True,
        help_text='Request objects (Core 6.1) must use this algorithm; "none" allows unsigned ones.',
    )
    subject_type = serializers.ChoiceField(["public", "pairwise"], required=False)
    sector_identifier_uri = _uri("")
    default_max_age = serializers.IntegerField(required=False, min_value=0)
    require_auth_time = serializers.BooleanField(required=False)
    default_acr_values = _strings("")
    initiate_login_uri = _uri("")
    backchannel_logout_uri = _uri("")
    backchannel_logout_session_required = serializers.BooleanField(required=False)
    frontchannel_logout_uri = _uri("")
    frontchannel_logout_session_required = serializers.BooleanField(required=False)
    require_pushed_authorization_requests = serializers.BooleanField(
        required=False, help_text="Authorization requests are accepted only when pushed to /par (RFC 9126 6)."
    )
    active = serializers.BooleanField(required=False, help_text="Disabled clients are refused everywhere.")
    first_party = serializers.BooleanField(required=False, help_text="Users are not asked to consent.")
    can_introspect = serializers.BooleanField(
        required=False, help_text="A resource server: may introspect any client's tokens."
    )
    can_manage = serializers.BooleanField(
        required=False, help_text="May use this API (client_credentials with the portico:admin scope)."
    )


class ClientDocument(ClientMetadata):
    client_id = serializers.CharField()
    client_id_issued_at = serializers.IntegerField()
    client_secret = serializers.CharField(
        required=False, help_text="Only in the response that creates it; store it, it cannot be read again."
    )
    client_secret_expires_at = serializers.IntegerField(required=False, help_text="0: does not expire.")


def _page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The LimitOffsetPagination envelope around a list of `item`."""
    fields = {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item(many=True),
    }
    return type(name, (serializers.Serializer,), fields)


ClientPage = _page_of(ClientDocument, "ClientPage")


class SecretRotation(serializers.Serializer):
    overlap_seconds = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=30 * 24 * 3600,
        help_text="How long the current secret keeps working, so deployments can switch without downtime.",
    )


class NewSecret(serializers.Serializer):
    client_id = serializers.CharField()
    client_secret = serializers.CharField()
    client_secret_expires_at = serializers.IntegerField(help_text="0: does not expire.")
    previous_secret_expires_at = serializers.IntegerField(
        required=False, help_text="Until when the previous secret is still accepted."
    )


class Revoked(serializers.Serializer):
    access_tokens = serializers.IntegerField()
    refresh_tokens = serializers.IntegerField()
    codes = serializers.IntegerField()
    consents = serializers.IntegerField()


class InitialAccessTokenInput(serializers.Serializer):
    label = serializers.CharField(max_length=200, help_text="Who the token is for.")
    expires_in = serializers.IntegerField(
        required=False, min_value=60, help_text="Seconds until the token expires; omitted: never."
    )
    max_uses = serializers.IntegerField(
        required=False, min_value=1, help_text="Registrations allowed; omitted: no limit."
    )


class InitialAccessTokenDocument(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    created = serializers.DateTimeField()
    expires = serializers.DateTimeField(allow_null=True)
    max_uses = serializers.IntegerField(allow_null=True)
    uses = serializers.IntegerField()
    revoked = serializers.DateTimeField(allow_null=True)
    usable = serializers.BooleanField(source="is_usable", help_text="Not revoked, expired or used up.")


class NewInitialAccessToken(InitialAccessTokenDocument):
    token = serializers.CharField(
        help_text="Only in the response that creates it; only its digest is stored."
    )


InitialAccessTokenPage = _page_of(InitialAccessTokenDocument, "InitialAccessTokenPage")


class SigningKeyDocument(serializers.Serializer):
    kid = serializers.CharField()
    alg = serializers.ChoiceField(SIGNING_ALGS)
    state = serializers.ChoiceField(SigningKey.State.values)
    created = serializers.DateTimeField()
    activated_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)
    public_jwk = serializers.JSONField()


class KeyRotationInput(serializers.Serializer):
    alg = serializers.ChoiceField(
        SIGNING_ALGS, required=False, help_text="Omitted: every enabled signing algorithm."
    )


class KeyRotationOutcome(serializers.Serializer):
    alg = serializers.CharField()
    action = serializers.ChoiceField(["rotated", "prepared", "waiting", "nothing"])
    detail = serializers.CharField()
    activates_after = serializers.DateTimeField(
        allow_null=True,
        help_text="When a freshly published next key may be activated (it must outlive JWKS caches first).",
    )


class KeyRotationResult(serializers.Serializer):
    results = KeyRotationOutcome(many=True)


class Error(serializers.Serializer):
    error = serializers.CharField()
    error_description = serializers.CharField()
