"""manage.py's development default (config/startup.py): DEBUG=1 only when the environment configures nothing;
any sign of a configured deployment leaves the environment as it is."""

import pytest

from config.startup import apply_development_default


def test_an_empty_environment_is_a_development_checkout():
    environ = {"PATH": "/usr/bin", "HOME": "/home/dev"}
    assert apply_development_default(environ) is True
    assert environ["DEBUG"] == "1"


@pytest.mark.parametrize(
    "name",
    [
        "DEBUG",
        "SECRET_KEY",
        "PORTICO_ISSUER",
        "DATABASE_URL",
        "DJANGO_SETTINGS_MODULE",
        "ALLOWED_HOSTS",
        "REDIS_URL",
        "SECRET_KEY_FALLBACKS",
        "PORTICO_TRUSTED_PROXIES",
        "PORTICO_SIGNUP",
        "PORTICO_KEY_ENCRYPTION_KEY",
    ],
)
def test_any_configuration_keeps_the_environment_as_it_is(name):
    environ = {"PATH": "/usr/bin", name: "x"}
    assert apply_development_default(environ) is False
    assert environ == {"PATH": "/usr/bin", name: "x"}
