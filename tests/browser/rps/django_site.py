"""A relying party: a Django site of its own, run in a subprocess by tests/browser/test_integrations.py.

`python django_site.py GUIDE.md PORT DB` executes the first python block of an integration guide
(docs/integrations/) as the site's settings, adds the guide's URLconf line, migrates a fresh SQLite
database and serves on 127.0.0.1:PORT. Its home page says who is signed in."""

import re
import sys
from pathlib import Path

from django.conf import settings
from django.urls import include, path

BASE = {
    "INSTALLED_APPS": [
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    "MIDDLEWARE": [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ],
    # What `django-admin startproject` gives every site.
    "TEMPLATES": [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ],
}


def _home(request):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    if request.user.is_authenticated:
        body = (
            f'<p id="who">signed in as {request.user.email}</p>'
            f'<form method="post" action="{SIGN_OUT}"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{get_token(request)}"><button>Sign out</button></form>'
        )
    else:
        body = f'<p id="who">anonymous</p><a href="{SIGN_IN}">Sign in with Portico</a>'
    return HttpResponse("<!doctype html><title>RP</title>" + body)


SIGN_IN = SIGN_OUT = ""
# Where each library starts a sign-in and ends one (its own URLs, from its documentation).
LIBRARY_URLS = {
    "mozilla-django-oidc.md": ("/oidc/authenticate/", "/oidc/logout/"),
    "django-allauth.md": ("/accounts/oidc/portico/login/", "/accounts/logout/"),
}


def _blocks(guide: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", guide.read_text(), flags=re.S)


def main(guide: Path, port: int, database: str) -> None:
    global SIGN_IN, SIGN_OUT
    SIGN_IN, SIGN_OUT = LIBRARY_URLS[guide.name]
    settings_block, urls_block = _blocks(guide)[:2]
    namespace: dict = {name: list(value) for name, value in BASE.items()}
    exec(settings_block, namespace)  # noqa: S102 (the guide's own configuration, which is what is tested)
    configured = {name: value for name, value in namespace.items() if name.isupper()}
    settings.configure(
        DEBUG=False,
        SECRET_KEY="relying-party-test-only",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=__name__,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
        SESSION_COOKIE_NAME="rp_session",
        CSRF_COOKIE_NAME="rp_csrftoken",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **configured,
    )
    import django
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    django.setup()
    global urlpatterns
    urlpatterns = [path("", _home), eval(urls_block.strip().rstrip(","))]  # noqa: S307 (the guide's line)
    call_command("migrate", verbosity=0)
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


urlpatterns: list = []
_ = include  # the guide's URLconf line uses path() and include()

if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
