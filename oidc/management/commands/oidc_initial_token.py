"""Initial access tokens for dynamic registration (PORTICO_REGISTRATION=token, RFC 7591 3)."""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from oidc.models import InitialAccessToken
from oidc.registration import create_initial_token


class Command(BaseCommand):
    help = "Create, list and revoke initial access tokens for dynamic client registration."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token (shown once)")
        create.add_argument("--label", required=True)
        create.add_argument("--days", type=int, help="Expire after this many days (default: never)")
        create.add_argument(
            "--max-uses", type=int, help="Number of registrations allowed (default: unlimited)"
        )
        create.add_argument("--format", choices=["text", "json"], default="text")
        sub.add_parser("list", help="List tokens (never their values)")
        revoke = sub.add_parser("revoke", help="Revoke every live token with this label")
        revoke.add_argument("--label", required=True)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            expires = timezone.now() + timedelta(days=options["days"]) if options["days"] else None
            token, value = create_initial_token(
                options["label"], expires=expires, max_uses=options["max_uses"]
            )
            result = {
                "label": token.label,
                "token": value,
                "expires": expires.isoformat() if expires else None,
            }
            if options["format"] == "json":
                self.stdout.write(json.dumps(result, indent=2))
            else:
                self.stdout.write(
                    f"token: {value}\n(shown once; send it as 'Authorization: Bearer ...' to /register)"
                )
        elif action == "list":
            for token in InitialAccessToken.objects.all():
                state = (
                    "usable" if token.is_usable() else "revoked" if token.revoked else "expired or used up"
                )
                self.stdout.write(f"{token.label}\t{token.created:%Y-%m-%d}\tuses {token.uses}\t{state}")
        else:
            count = InitialAccessToken.objects.filter(label=options["label"], revoked__isnull=True).update(
                revoked=timezone.now()
            )
            if not count:
                raise CommandError(f"no live token labelled {options['label']!r}")
            self.stdout.write(f"revoked {count} token(s)")
