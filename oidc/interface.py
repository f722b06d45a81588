"""What accounts/ may ask of the provider, without importing its internals."""

from urllib.parse import parse_qs, urlsplit


def client_for_next(next_url: str) -> dict | None:
    """The app a sign-in is for, when the login page was reached from an authorization request."""
    from django.urls import reverse

    from .metadata import web_url
    from .models import Client

    parts = urlsplit(next_url or "")
    if parts.path != reverse("oidc:authorize"):
        return None
    client_id = parse_qs(parts.query).get("client_id", [""])[0]
    client = Client.objects.filter(client_id=client_id, is_active=True).first() if client_id else None
    if client is None:
        return None
    return {
        "name": client.name or client.client_id,
        "logo_uri": web_url(client.logo_uri),
        "client_uri": web_url(client.client_uri),
    }
