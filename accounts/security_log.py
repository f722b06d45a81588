"""Writing the account's security log (accounts.SecurityEvent). Details never include secrets."""

from django.http import HttpRequest

from .clientinfo import client_ip, user_agent
from .models import SecurityEvent

Kind = SecurityEvent.Kind


def record(user, kind: str, request: HttpRequest | None = None, **detail) -> SecurityEvent:
    return SecurityEvent.objects.create(
        user=user,
        kind=kind,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        detail=detail,
    )
