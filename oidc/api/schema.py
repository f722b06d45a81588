"""OpenAPI generation hooks (drf-spectacular): only the management API is documented, against this
server's issuer, with the OAuth 2.0 client_credentials security scheme it actually uses."""

from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .. import conf, scopes


def management_api_only(endpoints, **kwargs):
    prefix = reverse("api:clients").rsplit("/", 1)[0] + "/"
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(prefix)]


def served_by_this_issuer(result, generator, request, public):
    result["servers"] = [{"url": conf.issuer()}]
    return result


class AdminBearerScheme(OpenApiAuthenticationExtension):
    target_class = "oidc.api.authentication.AdminBearerAuthentication"
    name = "portico_admin"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "A management client (can_manage) obtains a token with client_credentials.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": conf.endpoint(reverse("oidc:token")),
                    "scopes": {scopes.ADMIN: "Manage clients, registration tokens and signing keys."},
                }
            },
        }

    def get_security_requirement(self, auto_schema):
        return {self.name: [scopes.ADMIN]}
