"""Invitations for PORTICO_SIGNUP=invite: the link is printed (and optionally emailed) once."""

import json
from urllib.parse import urlencode

from django.core.management.base import BaseCommand
from django.urls import reverse

from accounts import conf, invitations, mail_tasks


class Command(BaseCommand):
    help = "Create a single-use sign-up invitation and print its link (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="", help="Who it is for (recorded; with --send, emailed)")
        parser.add_argument("--note", default="")
        parser.add_argument("--days", type=int, default=invitations.DEFAULT_DAYS)
        parser.add_argument("--send", action="store_true", help="Email the link to --email (sent by db_worker)")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        invitation, code = invitations.create(email=options["email"], note=options["note"], days=options["days"])
        link = conf.base_url() + reverse("accounts:signup") + "?" + urlencode({"invite": code})
        if options["send"] and options["email"]:
            mail_tasks.send_invitation(invitation, code)  # mailed by the worker (manage.py db_worker)
        if options["format"] == "json":
            self.stdout.write(json.dumps({"code": code, "link": link, "expires_at": invitation.expires_at.isoformat()}))
        else:
            self.stdout.write(f"invitation link (shown once): {link}")
