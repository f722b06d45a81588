"""Re-encrypt signing keys under the current key-encryption key (see docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError

from oidc import rotation


class Command(BaseCommand):
    help = (
        "After changing PORTICO_KEY_ENCRYPTION_KEY (or SECRET_KEY) with the old value kept after the new one, "
        "re-encrypt every private signing key under the new value; the old one can then be dropped."
    )

    def handle(self, *args, **options):
        try:
            count = rotation.reencrypt()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"re-encrypted {count} signing keys")
