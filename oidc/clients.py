"""Creating clients from code and the command line."""

from django.db import transaction
from oauth2_provider.generators import generate_client_secret

from .models import Client


@transaction.atomic
def create_client(
    *,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    grant_types: list[str] | None = None,
    token_endpoint_auth_method: str = "client_secret_basic",
    skip_consent: bool = False,
    client_id: str | None = None,
    **metadata,
) -> tuple[Client, str]:
    """Validate and store a client. Returns it with its plaintext secret ("" for public clients)."""
    secret = "" if token_endpoint_auth_method == "none" else generate_client_secret()
    client = Client(
        name=name,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris or []),
        grant_types=grant_types or ["authorization_code", "refresh_token"],
        token_endpoint_auth_method=token_endpoint_auth_method,
        skip_authorization=skip_consent,
        client_secret=secret,
        **metadata,
    )
    if client_id:
        client.client_id = client_id
    client.full_clean(exclude=["client_type", "authorization_grant_type", "user"])
    client.save()
    return client, secret
