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
    ],
    "MIDDLEWARE": [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
}


def _home(request):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    if request.user.is_authenticated:
        body = (
            f'<p id="who">signed in as {request.user.email}</p>'
            f'<form method="post" action="/oidc/logout/"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{get_token(request)}"><button>Sign out</button></form>'
        )
    else:
        body = '<p id="who">anonymous</p><a href="/oidc/authenticate/">Sign in with Portico</a>'
    return HttpResponse("<!doctype html><title>RP</title>" + body)


def _blocks(guide: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", guide.read_text(), flags=re.S)


def main(guide: Path, port: int, database: str) -> None:
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
