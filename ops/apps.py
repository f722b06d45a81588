from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (counts sign-ins, consents, tokens and database errors)
