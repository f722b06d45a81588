"""Delete expired sign-in throttle counters and expired browser sessions. Schedule it (hourly)."""

from django.core.management.base import BaseCommand

from accounts import session_store, throttle


class Command(BaseCommand):
    help = "Delete expired throttle counters and browser sessions (run from a scheduler, e.g. hourly)."

    def handle(self, *args, **options):
        counters = throttle.purge_expired()
        session_store.SessionStore.clear_expired()
        self.stdout.write(f"deleted: {counters} throttle counters; expired sessions cleared")
