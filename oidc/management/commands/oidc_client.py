import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from oidc import registration
from oidc.clients import create_client, rotate_secret
from oidc.constants import AUTH_METHODS, GRANT_TYPE_NAMES
from oidc.models import Client


def _add_create_arguments(create) -> None:
    """`oidc_client create`: the metadata an admin sets from the command line (Registration 2)."""
    create.add_argument("--name", required=True)
    create.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")
    create.add_argument("--post-logout-redirect-uri", action="append", default=[], dest="post_logout")
    create.add_argument("--grant-type", action="append", dest="grant_types", choices=GRANT_TYPE_NAMES)
    create.add_argument("--token-endpoint-auth-method", default="client_secret_basic", choices=AUTH_METHODS)
    create.add_argument("--skip-consent", action="store_true", help="First-party client: no consent page")
    create.add_argument("--require-pkce", action="store_true")
    create.add_argument(
        "--management",
        action="store_true",
        help="Management API client: may get the portico:admin scope with client_credentials",
    )
    create.add_argument("--id-token-signed-response-alg", default="RS256", metavar="ALG")
    create.add_argument("--userinfo-signed-response-alg", default="", metavar="ALG")
    create.add_argument("--application-type", choices=["web", "native"], default="web")
    # Back-Channel Logout 1.0 2.2 / Front-Channel Logout 1.0 2: where Portico tells the app of a logout.
    create.add_argument("--backchannel-logout-uri", default="", metavar="URI")
    create.add_argument("--backchannel-logout-session-required", action="store_true")
    create.add_argument("--frontchannel-logout-uri", default="", metavar="URI")
    create.add_argument("--frontchannel-logout-session-required", action="store_true")
    # RFC 9126 6: only pushed authorization requests; Registration 2: where request objects may be fetched.
    create.add_argument("--require-pushed-authorization-requests", action="store_true")
    create.add_argument("--request-uri", action="append", default=[], dest="request_uris", metavar="URI")
    create.add_argument("--format", choices=["text", "json"], default="text")


class Command(BaseCommand):
    help = "Manage OpenID clients. `create` registers one and prints its client_id and secret."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        _add_create_arguments(sub.add_parser("create", help="Register a client"))
        listing = sub.add_parser("list", help="List clients")
        listing.add_argument("--format", choices=["text", "json"], default="text")
        for name, text in (
            ("show", "Show a client's metadata"),
            ("rotate-secret", "Issue a new secret (shown once)"),
            ("disable", "Refuse the client everywhere, at once"),
            ("enable", "Accept the client again"),
            ("delete", "Delete the client with its grants and tokens"),
        ):
            action = sub.add_parser(name, help=text)
            action.add_argument("client_id")
            action.add_argument("--format", choices=["text", "json"], default="text")
            if name == "rotate-secret":
                action.add_argument(
                    "--overlap-hours",
                    type=float,
                    default=0,
                    help="Keep the old secret valid this long (default 0)",
                )

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            rows = [
                registration.describe(c) | {"active": c.is_active} for c in Client.objects.order_by("name")
            ]
            if options["format"] == "json":
                self._emit(rows, options)
            else:
                for row in rows:
                    state = "active" if row["active"] else "disabled"
                    self.stdout.write(
                        f"{row['client_id']}\t{row.get('client_name', '')}\t{row['token_endpoint_auth_method']}\t{state}"
                    )
        else:
            client = Client.objects.filter(client_id=options["client_id"]).first()
            if client is None:
                raise CommandError(f"no client {options['client_id']!r}")
            if action == "show":
                self._emit(registration.describe(client) | {"active": client.is_active}, options)
            elif action == "rotate-secret":
                if client.token_endpoint_auth_method not in (
                    "client_secret_basic",
                    "client_secret_post",
                    "client_secret_jwt",
                ):
                    raise CommandError(f"{client.token_endpoint_auth_method} clients have no secret")
                secret = rotate_secret(client, overlap=timedelta(hours=options["overlap_hours"]))
                self._emit({"client_id": client.client_id, "client_secret": secret}, options)
            elif action in ("disable", "enable"):
                client.is_active = action == "enable"
                client.save(update_fields=["is_active"])  # a save, so the audit log sees it
                self._emit({"client_id": client.client_id, "active": action == "enable"}, options)
            else:
                client.delete()
                self._emit({"client_id": client.client_id, "deleted": True}, options)

    def _emit(self, result, options):
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2))
        elif isinstance(result, dict):
            for key, value in result.items():
                self.stdout.write(f"{key}: {value}")

    def _create(self, options):
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
                application_type=options["application_type"],
                can_manage=options["management"],
                backchannel_logout_uri=options["backchannel_logout_uri"],
                backchannel_logout_session_required=options["backchannel_logout_session_required"],
                frontchannel_logout_uri=options["frontchannel_logout_uri"],
                frontchannel_logout_session_required=options["frontchannel_logout_session_required"],
                require_pushed_authorization_requests=options["require_pushed_authorization_requests"],
                request_uris=" ".join(options["request_uris"]),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        result = {
            "client_id": client.client_id,
            "client_secret": secret or None,
            "token_endpoint_auth_method": client.token_endpoint_auth_method,
            "redirect_uris": client.redirect_uris.split(),
        }
        self._emit(result, options)
