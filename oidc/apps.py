from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "oidc"
    verbose_name = "OpenID Connect"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import cors, metadata, models  # noqa: F401  (cors: receives check_request_enabled)
        from .api import schema  # noqa: F401  (registers the OpenAPI security scheme)
        from .logout import sessions  # noqa: F401  (receives accounts' sign_in_ended)

        # Client.clean() applies the metadata rules, which sit above the models (oidc/models.py).
        models.Client.metadata_rules = metadata.problems
