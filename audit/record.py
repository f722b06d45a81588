"""Writing one audit event."""

from django.http import HttpRequest

from . import context
from .models import AuditEvent

_CURRENT = object()


def record(
    action: str,
    *,
    request: HttpRequest | None | object = _CURRENT,
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    **detail,
) -> AuditEvent:
    """The actor is the current request's (or `actor` when given); detail holds names and counts only."""
    current = context.current_request() if request is _CURRENT else request
    assert current is None or isinstance(current, HttpRequest)
    return AuditEvent.objects.create(
        action=action,
        actor=actor or context.actor(current),
        ip_address=context.ip_address(current),
        target_type=target_type,
        target_id=str(target_id)[:200],
        detail=detail,
    )
