"""The sweep that wakes back-channel logout deliveries whose task was lost (oidc/logout/delivery.sweep): only
deliveries that are overdue past the grace period or whose lease expired, never delivered or failed ones."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.backends.database.models import DBTaskResult

from oidc.logout import delivery
from oidc.models import LogoutDelivery

pytestmark = pytest.mark.django_db


def row(client, **fields):
    return LogoutDelivery.objects.create(client=client, sid="s", sub="u", **fields)


def test_sweep_wakes_only_lost_deliveries(make_client):
    app, _secret = make_client(backchannel_logout_uri="https://rp.example/bc")
    now = timezone.now()
    grace = timedelta(minutes=2)
    overdue = row(app, next_attempt_at=now - grace)
    row(app, next_attempt_at=now - grace + timedelta(seconds=1))  # its task may still be on its way
    expired_lease = row(app, status="sending", claimed_until=now - timedelta(seconds=1))
    row(app, status="sending", claimed_until=now)  # a live worker holds it
    row(app, status="delivered", next_attempt_at=now - timedelta(days=1))
    row(app, status="failed", next_attempt_at=now - timedelta(days=1))

    assert delivery.sweep(now=now, grace=grace) == 2
    woken = sorted(task.args_kwargs["args"][0] for task in DBTaskResult.objects.all())
    assert woken == sorted([overdue.pk, expired_lease.pk])


def test_resume_logouts_command_reports_its_count(make_client, capsys):
    app, _secret = make_client(backchannel_logout_uri="https://rp.example/bc")
    row(app, next_attempt_at=timezone.now() - timedelta(hours=1))
    call_command("resume_logouts")
    assert "deliveries woken up: 1" in capsys.readouterr().out
