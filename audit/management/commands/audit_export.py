"""The audit log as JSON lines (one event per line, oldest first), for a time range."""

import json
from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audit.models import AuditEvent


def moment(value: str) -> datetime:
    """An ISO 8601 date or date-time; naive values are UTC."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"not an ISO 8601 date or date-time: {value!r}")
        parsed = datetime.combine(day, time.min)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


class Command(BaseCommand):
    help = "Write audit events from --since (inclusive) until --until (exclusive) as JSON lines."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=moment, help="ISO 8601 date or date-time (UTC when no offset)")
        parser.add_argument("--until", type=moment, help="ISO 8601 date or date-time (UTC when no offset)")
        parser.add_argument("--action", action="append", help="only these actions (repeatable)")

    def handle(self, *args, **options):
        events = AuditEvent.objects.order_by("at", "id")
        if options["since"]:
            events = events.filter(at__gte=options["since"])
        if options["until"]:
            events = events.filter(at__lt=options["until"])
        if options["action"]:
            events = events.filter(action__in=options["action"])
        for event in events.iterator(chunk_size=2000):
            self.stdout.write(json.dumps(event.as_json(), separators=(",", ":"), default=str))
