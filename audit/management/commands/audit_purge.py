"""Delete audit events past the retention period (PORTICO_AUDIT_RETENTION_DAYS). Run by purge_tokens too."""

from django.core.management.base import BaseCommand

from audit import purge


class Command(BaseCommand):
    help = "Delete audit events older than PORTICO_AUDIT_RETENTION_DAYS (0 keeps them forever)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options):
        deleted = purge.purge(batch_size=max(1, options["batch_size"]))
        self.stdout.write(f"deleted: {deleted} audit events older than {purge.retention_days()} days")
