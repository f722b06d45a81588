"""Idempotent demo data: the user `demo` with every standard claim, a demo app and the playground client."""

import datetime
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse
from oauth2_provider.generators import generate_client_secret

from oidc import conf, keys
from oidc.clients import create_client
from oidc.models import Client

DEMO_CLIENT_ID = "demo-app"
PLAYGROUND_CLIENT_ID = "portico-playground"


class Command(BaseCommand):
    help = "Create (or refresh) the demo user and clients, and print how to use them."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-password", help="Password for the user `demo`")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        user = self._user(options["password"])
        issuer = conf.issuer()
        demo_secret = self._demo_client(issuer)
        self._playground_client(issuer)
        keys.jwks()  # Generates the first signing key now rather than on the first request.
        info = {
            "issuer": issuer,
            "discovery": f"{issuer}/.well-known/openid-configuration",
            "playground": f"{issuer}/playground/" if conf.playground_enabled() else None,
            "admin": f"{issuer}/admin/",
            "username": user.username,
            "password": options["password"],
            "client_id": DEMO_CLIENT_ID,
            "client_secret": demo_secret,
            "redirect_uri": "http://127.0.0.1:9000/callback",
        }
        if options["format"] == "json":
            self.stdout.write(json.dumps(info, indent=2))
            return
        self.stdout.write(self.style.SUCCESS("Portico demo data is ready."))
        if info["playground"]:
            self.stdout.write(f"  Try it:        open {info['playground']} and click “Sign in with Portico”")
        self.stdout.write(f"  Sign in as:    {user.username} / {options['password']}")
        self.stdout.write(f"  Discovery:     {info['discovery']}")
        self.stdout.write(f"  Demo client:   client_id={DEMO_CLIENT_ID} client_secret={demo_secret}")
        self.stdout.write(f"                 redirect_uri={info['redirect_uri']} (client_secret_basic)")
        self.stdout.write(f"  Admin:         {info['admin']} (create a superuser: manage.py createsuperuser)")

    def _user(self, password: str):
        User = get_user_model()
        user, _ = User.objects.get_or_create(username="demo")
        for field, value in {
            "first_name": "Dana",
            "middle_name": "M.",
            "last_name": "Example",
            "nickname": "Dee",
            "preferred_username": "dana",
            "email": "demo@example.com",
            "email_verified": True,
            "profile": "https://example.com/dana",
            "picture": "https://example.com/dana.png",
            "website": "https://dana.example.com",
            "gender": "female",
            "birthdate": datetime.date(1990, 4, 1),
            "zoneinfo": "Europe/Paris",
            "locale": "en-GB",
            "phone_number": "+33612345678",
            "phone_number_verified": True,
            "address_street_address": "1 Example Street",
            "address_locality": "Paris",
            "address_region": "Île-de-France",
            "address_postal_code": "75001",
            "address_country": "France",
        }.items():
            setattr(user, field, value)
        user.set_password(password)
        user.save()
        return user

    def _demo_client(self, issuer: str) -> str:
        client = Client.objects.filter(client_id=DEMO_CLIENT_ID).first()
        if client is None:
            # An https issuer accepts http redirect URIs only for native apps on a loopback IP (RFC 8252 7.3),
            # which is what a demo app on this machine is.
            https = issuer.startswith("https://")
            _, secret = create_client(
                client_id=DEMO_CLIENT_ID,
                name="Demo App",
                redirect_uris=["http://127.0.0.1:9000/callback"]
                + ([] if https else ["http://localhost:9000/callback"]),
                post_logout_redirect_uris=["http://127.0.0.1:9000/"],
                client_uri="https://example.com/",
                application_type="native" if https else "web",
            )
            return secret
        # The secret is stored only as a digest, so a re-run issues a fresh one to print.
        secret = generate_client_secret()
        client.client_secret = secret
        client.save()
        return secret

    def _playground_client(self, issuer: str) -> None:
        redirect_uri = (
            issuer + reverse("playground:callback")
            if conf.playground_enabled()
            else issuer + "/playground/callback"
        )
        client = Client.objects.filter(client_id=PLAYGROUND_CLIENT_ID).first()
        if client is None:
            create_client(
                client_id=PLAYGROUND_CLIENT_ID,
                name="Portico Playground",
                redirect_uris=[redirect_uri],
                token_endpoint_auth_method="none",
            )
        elif redirect_uri not in client.redirect_uris.split():
            client.redirect_uris = " ".join([*client.redirect_uris.split(), redirect_uri])
            client.save()
