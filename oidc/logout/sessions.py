"""What ending a sign-in means for the apps of that session (Back-Channel 2.7, Front-Channel 4, Core 11).

accounts ends sign-ins (accounts/flows.py) and sends `sign_in_ended`; end_session runs inside that
transaction: the session's tokens are revoked, one back-channel delivery row is written per app that
registered a backchannel_logout_uri, and the front-channel logout URLs are returned for the signed-out page."""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from oauth2_provider.models import revoke_access_token

from accounts.events import sign_in_ended

from .. import conf, subjects
from ..models import AccessToken, Client, Grant, RefreshToken, SessionClient
from . import delivery

OFFLINE_ACCESS = "offline_access"


@dataclass(frozen=True)
class LogoutOutcome:
    """What the signed-out page shows: the apps told, and the front-channel logout URLs to load."""

    told: list[str] = field(default_factory=list)
    frontchannel: list[str] = field(default_factory=list)


def frontchannel_url(client, *, sid: str) -> str:
    """Front-Channel 2 / 4: the registered URI, with iss and sid added when the client asked for them
    (frontchannel_logout_session_required), keeping the URI's own query."""
    uri = client.frontchannel_logout_uri
    if not client.frontchannel_logout_session_required:
        return uri
    scheme, netloc, path, query, fragment = urlsplit(uri)
    params = parse_qsl(query, keep_blank_values=True) + [("iss", conf.issuer()), ("sid", sid)]
    return urlunsplit((scheme, netloc, path, urlencode(params), fragment))


def _offline(scope: str) -> bool:
    return OFFLINE_ACCESS in scope.split()


def revoke_session_tokens(sign_in, client_ids: list[int]) -> int:
    """Core 11: what the session handed out ends with it, except grants made for offline_access (their
    refresh token, and the access token it is paired with, outlive the session by design). Session tokens
    are found by the sign-in's sid (refresh tokens and codes carry it); tokens issued straight from the
    authorization endpoint (implicit, hybrid) carry no code, and are those of the session's apps issued to
    this person since the sign-in began."""
    revoked = 0
    codes = Grant.objects.filter(user=sign_in.user, sid=sign_in.sid).values("code")
    implicit = Q(application_id__in=client_ids, grant_code="", source_refresh_token__isnull=True)
    implicit &= Q(created__gte=sign_in.auth_time)
    for token in AccessToken.objects.filter(Q(grant_code__in=codes) | implicit, user=sign_in.user):
        if not _offline(token.scope):
            revoke_access_token(token)  # with its refresh token (a non-OpenID Connect grant's)
            revoked += 1
    live = RefreshToken.objects.filter(user=sign_in.user, sid=sign_in.sid, revoked__isnull=True)
    for refresh in live.select_related("access_token"):
        if refresh.access_token is None or not _offline(refresh.access_token.scope):
            revoked += int(refresh.retire())
    return revoked


def end_session(sign_in, *, reason: str, only: Client | None = None) -> LogoutOutcome:
    """Tell the apps of this sign-in (or only `only`) that it ended. Runs in the caller's transaction."""
    with transaction.atomic():
        clients = list(
            Client.objects.filter(pk__in=SessionClient.objects.filter(sign_in=sign_in).values("client"))
        )
        if only is not None:
            clients = [c for c in clients if c.pk == only.pk]
        else:
            revoke_session_tokens(sign_in, [c.pk for c in clients])
        clients = [c for c in clients if c.is_active]
        for client in clients:
            if client.backchannel_logout_uri:
                sub = subjects.sub_for(sign_in.user, client)
                delivery.schedule(client, sid=sign_in.sid, sub=sub, reason=reason)
    frontchannel = [frontchannel_url(c, sid=sign_in.sid) for c in clients if c.frontchannel_logout_uri]
    told = [c.name or c.client_id for c in clients if c.backchannel_logout_uri or c.frontchannel_logout_uri]
    return LogoutOutcome(told=told, frontchannel=frontchannel)


@receiver(sign_in_ended, dispatch_uid="oidc.logout.end_session")
def _sign_in_ended(sender, *, sign_in, reason: str = "", **kwargs) -> LogoutOutcome:
    return end_session(sign_in, reason=reason)


def tell_removed_app(user, client: Client) -> int:
    """ "Remove access" for one app: its tokens go (oidc/clients.revoke_grants), and it alone is told by
    back-channel so it ends its own sessions too: once per live sign-in it took part in; when there is none,
    once with the sub alone (Back-Channel 2.4: every session of that person), unless the app needs a sid."""
    from accounts.models import SignIn

    live = list(SignIn.objects.filter(user=user, ended_at__isnull=True, clients__client=client))
    for sign_in in live:
        end_session(sign_in, reason="access_removed", only=client)
    SessionClient.objects.filter(sign_in__in=live, client=client).delete()
    if not live and client.backchannel_logout_uri and not client.backchannel_logout_session_required:
        delivery.schedule(client, sid="", sub=subjects.sub_for(user, client), reason="access_removed")
        return 1
    return len(live)
