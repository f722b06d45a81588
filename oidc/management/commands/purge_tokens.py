"""Delete expired authorization codes, access, refresh and id tokens in batches. Schedule it (hourly)."""

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand

from oidc import purge


class Command(BaseCommand):
    help = "Delete expired authorization codes and tokens in batches (run from a scheduler, e.g. hourly)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options):
        report = purge.purge(batch_size=max(1, options["batch_size"]))
        self.stdout.write(f"deleted: {report}")
        if apps.is_installed("audit"):  # audit events past their retention go with the same schedule
            call_command("audit_purge", batch_size=options["batch_size"], stdout=self.stdout)
