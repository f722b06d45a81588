"""Test settings: config.settings with a test environment. DATABASE_URL comes from the caller (.ci/run)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("PORTICO_ISSUER", "http://127.0.0.1:8000")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("PORTICO_PLAYGROUND", "1")
os.environ.setdefault("PORTICO_ALLOW_PRIVATE_FETCH", "1")  # live test servers listen on 127.0.0.1

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405 (fast tests)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 (live-server threads must not hold the test database open)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
