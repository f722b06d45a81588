from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (deploy checks; counts sign-ins, consents, tokens)
