"""Recovery codes are short (50 bits): stored as keyed digests, so a copied database cannot be searched for
them offline, while codes stored as plain SHA-256 before keep working once."""

import hashlib

import pyotp
import pytest
from django.test import Client as Browser

from accounts import mfa
from accounts.models import RecoveryCode
from config import at_rest
from tests.integration.accounts_helpers import sign_in

pytestmark = pytest.mark.django_db


def _plain(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def test_new_codes_are_stored_as_keyed_digests_not_plain_hashes(make_user):
    user = make_user()
    codes = mfa.new_recovery_codes(user)
    stored = set(RecoveryCode.objects.filter(user=user).values_list("digest", flat=True))
    assert len(stored) == len(codes)
    assert not stored & {_plain(code) for code in codes}  # an offline search of SHA-256 finds nothing
    assert stored == {at_rest.keyed_digest(c.replace("-", "").lower(), purpose="recovery-code") for c in codes}


def test_a_code_stored_as_plain_sha256_signs_in_once_and_is_rewritten(make_user):
    user = make_user()
    mfa.enable_totp(user, pyotp.random_base32())
    RecoveryCode.objects.create(user=user, digest=_plain("abcde-fghij"))
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    done = browser.post("/login/verify", {"code": "ABCDE-FGHIJ"})
    assert done.status_code == 302 and done["Location"] == "/"
    row = RecoveryCode.objects.get(user=user)
    assert row.used_at is not None and row.digest != _plain("abcde-fghij")
    again = Browser()
    sign_in(again, user.username, user.raw_password)
    assert "That code is not right" in again.post("/login/verify", {"code": "abcde-fghij"}).content.decode()


def test_codes_survive_a_change_of_the_key_encryption_secret_kept_as_fallback(make_user, settings):
    user = make_user()
    codes = mfa.new_recovery_codes(user)
    settings.PORTICO_KEY_ENCRYPTION_KEYS = ["a brand new key-encryption secret", settings.SECRET_KEY]
    assert mfa.use_recovery_code(user, codes[0])
    assert not mfa.use_recovery_code(user, codes[0])
