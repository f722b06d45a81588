import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from oidc.clients import create_client
from oidc.models import AUTH_METHODS, GRANT_TYPES


class Command(BaseCommand):
    help = "Manage OpenID clients. `create` registers one and prints its client_id and secret."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Register a client")
        create.add_argument("--name", required=True)
        create.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")
        create.add_argument("--post-logout-redirect-uri", action="append", default=[], dest="post_logout")
        create.add_argument("--grant-type", action="append", dest="grant_types", choices=list(GRANT_TYPES))
        create.add_argument(
            "--token-endpoint-auth-method", default="client_secret_basic", choices=AUTH_METHODS
        )
        create.add_argument("--skip-consent", action="store_true", help="First-party client: no consent page")
        create.add_argument("--require-pkce", action="store_true")
        create.add_argument("--id-token-signed-response-alg", default="RS256", metavar="ALG")
        create.add_argument("--userinfo-signed-response-alg", default="", metavar="ALG")
        create.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        try:
            client, secret = create_client(
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                post_logout_redirect_uris=options["post_logout"],
                grant_types=options["grant_types"],
                token_endpoint_auth_method=options["token_endpoint_auth_method"],
                skip_consent=options["skip_consent"],
                require_pkce=options["require_pkce"],
                id_token_signed_response_alg=options["id_token_signed_response_alg"],
                userinfo_signed_response_alg=options["userinfo_signed_response_alg"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        result = {
            "client_id": client.client_id,
            "client_secret": secret or None,
            "token_endpoint_auth_method": client.token_endpoint_auth_method,
            "redirect_uris": client.redirect_uris.split(),
        }
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key}: {value}")
