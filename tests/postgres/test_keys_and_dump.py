"""On PostgreSQL: a real pg_dump holds nothing usable; concurrent rotations serialise."""

import shutil
import subprocess
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client as Browser

from oidc import keys, rotation
from oidc.models import SigningKey
from tests.integration.test_storage import private_key_material, secrets_issued

pytestmark = pytest.mark.django_db(transaction=True)


def test_pg_dump_contains_no_usable_token_code_secret_or_key(make_user, make_client):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    browser = Browser()
    browser.user = make_user()
    browser.force_login(browser.user)
    values = secrets_issued(browser, make_client)
    values.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)  # the browser session key
    db = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PGPASSWORD": db["PASSWORD"] or "", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert "oidc_accesstoken" in dump and "oidc_signingkey" in dump
    for value in values:
        assert value not in dump
    for line in private_key_material():
        assert line not in dump


def test_concurrent_rotations_activate_one_key(db):
    keys.active_key("ES256")
    rotation.rotate("ES256")
    SigningKey.objects.filter(state="next").update(
        created=SigningKey.objects.get(state="next").created - rotation.publish_lead() - timedelta(seconds=1)
    )
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def rotate():
        try:
            barrier.wait()
            outcomes.append(rotation.rotate("ES256").action)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rotate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["rotated", "waiting", "waiting", "waiting"]
    assert SigningKey.objects.filter(alg="ES256", state="active").count() == 1
    assert SigningKey.objects.filter(alg="ES256", state="next").count() == 1
    assert SigningKey.objects.filter(alg="ES256", state="retired").count() == 1
