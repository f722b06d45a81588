"""Two client_credentials applications in the stock project: one with django-oauth-toolkit's default secret
hashing (a password hash per authentication), one with hash_client_secret=False. Prints their credentials."""

import json
import os
import secrets

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanilla.settings")
django.setup()

from oauth2_provider.models import Application  # noqa: E402

out = {}
for name, hashed in (("hashed", True), ("plain", False)):
    secret = secrets.token_urlsafe(48)
    app = Application.objects.create(
        name=f"bench-{name}",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=hashed,
    )
    out[name] = {"client_id": app.client_id, "client_secret": secret}
print(json.dumps(out))
