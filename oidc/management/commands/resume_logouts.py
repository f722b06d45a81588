"""Enqueue again the back-channel logout deliveries whose worker died mid-attempt. Schedule it (every few
minutes); it is idempotent and safe on several hosts."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from oidc.logout import delivery


class Command(BaseCommand):
    help = "Wake up back-channel logout deliveries left behind by a stopped worker (run from a scheduler)."

    def handle(self, *args, **options):
        count = delivery.sweep(now=timezone.now())
        self.stdout.write(f"deliveries woken up: {count}")
