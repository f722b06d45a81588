"""What accounts/ may ask of the provider, without importing its internals."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from . import claims, client_auth, conf
from .clients import revoke_grants
from .logout import frontchannel
from .logout.sessions import tell_removed_app
from .metadata import web_url
from .models import AccessToken, Client, Consent, RefreshToken


def client_for_next(next_url: str) -> dict | None:
    """The app a sign-in is for, when the login page was reached from an authorization request."""
    parts = urlsplit(next_url or "")
    if parts.path != reverse("oidc:authorize"):
        return None
    client_id = parse_qs(parts.query).get("client_id", [""])[0]
    client = client_auth.active_client(client_id)
    if client is None:
        return None
    return {
        "name": client.name or client.client_id,
        "logo_uri": web_url(client.logo_uri),
        "client_uri": web_url(client.client_uri),
        "tos_uri": web_url(client.tos_uri),
        "policy_uri": web_url(client.policy_uri),
    }


@dataclass(frozen=True)
class ConnectedApp:
    client_id: str
    name: str
    logo_uri: str
    client_uri: str
    granted: list[str]  # human descriptions of scopes and individually requested claims
    granted_at: datetime | None
    last_used: datetime | None


def connected_apps(user) -> list[ConnectedApp]:
    """The apps a person has let in (a remembered consent) or that still hold their tokens."""
    consents = {c.client_id: c for c in Consent.objects.filter(user=user)}
    used = dict(
        AccessToken.objects.filter(user=user).values_list("application_id").annotate(last=Max("created"))
    )
    holding = set(used) | set(
        RefreshToken.objects.filter(user=user, revoked__isnull=True).values_list("application_id", flat=True)
    )
    descriptions = conf.scopes()
    apps = []
    for client in Client.objects.filter(pk__in=set(consents) | holding).order_by("name"):
        consent = consents.get(client.pk)
        granted = []
        for item in consent.scopes if consent else []:
            if item.startswith("claim:"):
                granted.append(str(claims.describe(item.removeprefix("claim:"))))
            else:
                granted.append(descriptions.get(item, item))
        apps.append(
            ConnectedApp(
                client_id=client.client_id,
                name=client.name or client.client_id,
                logo_uri=web_url(client.logo_uri),
                client_uri=web_url(client.client_uri),
                granted=granted,
                granted_at=consent.updated if consent else None,
                last_used=used.get(client.pk),
            )
        )
    return apps


def remove_access(user, client_id: str) -> str | None:
    """ "Remove access": the consent is forgotten and every token and pending code the app holds for this
    person is revoked. Returns the app's name, or None when it had nothing."""
    client = Client.objects.filter(client_id=client_id).first()
    if client is None:
        return None
    with transaction.atomic():
        revoked = revoke_grants(client, user=user)
        had_something = revoked.consents or revoked.access_tokens or revoked.refresh_tokens
        if had_something:
            tell_removed_app(user, client)  # that app alone, by back-channel
    return (client.name or client.client_id) if had_something else None


def signed_out_page(request, outcomes: list):
    """The "you are signed out" page for what ending a sign-in returned (accounts/flows.sign_out): the apps
    that were told, and their front-channel logout iframes."""
    return frontchannel.signed_out_page(request, outcomes)
