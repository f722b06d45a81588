"""Writing the account's security log (accounts.SecurityEvent). Details never include secrets."""

from django.db import transaction
from django.http import HttpRequest

from . import mail_tasks
from .clientinfo import client_ip, user_agent
from .models import SecurityEvent

Kind = SecurityEvent.Kind


# Changes a person is told about by email, so a stolen session cannot quietly take the account over.
NOTIFY = {
    Kind.PASSWORD_CHANGED, Kind.PASSWORD_RESET, Kind.TOTP_ENABLED, Kind.TOTP_DISABLED, Kind.RECOVERY_CODES,
    Kind.PASSKEY_ADDED, Kind.PASSKEY_REMOVED,
}


def record(user, kind: str, request: HttpRequest | None = None, **detail) -> SecurityEvent:
    def create() -> SecurityEvent:
        return SecurityEvent.objects.create(
            user=user,
            kind=kind,
            ip_address=client_ip(request) if request is not None else None,
            user_agent=user_agent(request) if request is not None else "",
            detail=detail,
        )

    if kind not in NOTIFY or not user.email:
        return create()
    with transaction.atomic():  # the event and its notice's task row: both or neither
        event = create()
        mail_tasks.enqueue("security_notice", event_id=event.pk)  # sent by the worker
    return event
