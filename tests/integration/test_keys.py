"""Signing keys: algorithms, the JWKS, the next -> active -> retired lifecycle, encryption at rest."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from io import StringIO

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as Browser
from django.utils import timezone
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from config import at_rest
from oidc import keys, rotation, tokens
from oidc.constants import SIGNING_ALGS
from oidc.models import Client, SigningKey
from tests.integration.helpers import exchange, get_code, refresh

pytestmark = pytest.mark.django_db
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _jwks(http=None) -> dict:
    return (http or Browser()).get("/.well-known/jwks.json").json()


def _verify_with(jwks: dict, token: str, *, audience: str) -> dict:
    """An independent verifier (joserfc) that knows only the JWKS document."""
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    decoded = jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=[header["alg"]])
    registry = jose_jwt.JWTClaimsRegistry(aud={"essential": True, "value": audience})
    registry.validate(decoded.claims)
    return decoded.claims


def _backdate(**states) -> None:
    """Move keys' timestamps into the past, as time passing would."""
    for state, age in states.items():
        column = {"next": "created", "active": "activated_at", "retired": "retired_at"}[state]
        SigningKey.objects.filter(state=state).update(**{column: timezone.now() - age})


def test_every_algorithm_has_one_published_key_rfc7517_4_rfc8725_3_1():
    published = _jwks()["keys"]
    assert sorted(k["alg"] for k in published) == sorted(["RS256", "PS256", "ES256", "EdDSA"])
    kty = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}
    for jwk in published:
        assert jwk["use"] == "sig" and jwk["kty"] == kty[jwk["alg"]]
        assert jwk["kid"] == keys.thumbprint(jwk)
        assert not PRIVATE_MEMBERS & set(jwk), jwk
    assert {k["crv"] for k in published if k["kty"] != "RSA"} == {"P-256", "Ed25519"}


def test_discovery_lists_exactly_the_enabled_algorithms(settings):
    settings.PORTICO_SIGNING_ALGS = ["RS256", "ES256"]
    metadata = Browser().get("/.well-known/openid-configuration").json()
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256", "ES256"]
    assert metadata["userinfo_signing_alg_values_supported"] == ["RS256", "ES256"]
    assert "none" not in metadata["id_token_signing_alg_values_supported"]
    assert sorted(k["alg"] for k in _jwks()["keys"]) == ["ES256", "RS256"]


@pytest.mark.parametrize("alg", ["HS256", "none", "RS512", "ES256K", ""])
def test_unsupported_id_token_alg_is_refused_at_registration_with_the_field_named(make_client, alg):
    with pytest.raises(ValidationError) as refused:
        make_client(id_token_signed_response_alg=alg)
    assert "id_token_signed_response_alg" in refused.value.message_dict
    with pytest.raises(CommandError, match="id_token_signed_response_alg"):
        call_command(
            "oidc_client",
            "create",
            "--name=X",
            "--redirect-uri=https://x.example.org/cb",
            f"--id-token-signed-response-alg={alg}",
            stdout=StringIO(),
        )
    assert not Client.objects.exists()


def test_algorithm_supported_but_not_enabled_is_refused(make_client, settings):
    settings.PORTICO_SIGNING_ALGS = ["RS256"]
    with pytest.raises(ValidationError) as refused:
        make_client(userinfo_signed_response_alg="EdDSA")
    assert "EdDSA is not supported here" in str(refused.value.message_dict["userinfo_signed_response_alg"])


def test_alg_none_is_never_produced_nor_accepted_rfc8725_3_2():
    with pytest.raises(ValueError):
        tokens.sign_jwt({"sub": "x"}, alg="none")
    kid = keys.active_key("RS256").kid
    claims = {"iss": "http://127.0.0.1:8000", "sub": "x"}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
    assert tokens.verify_own_jwt(unsigned) is None
    # Algorithm confusion: an HMAC over the public key, presented under an RSA key's kid.
    public_pem = (
        keys.published_key(kid)
        .private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    forged = (
        base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": kid}).encode()).rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    )
    signature = hmac.new(public_pem, forged.encode(), hashlib.sha256).digest()
    forged += "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert tokens.verify_own_jwt(forged) is None
    # A token signed by the right key but labelled with another algorithm is refused too.
    es_kid = keys.active_key("ES256").kid
    relabelled = jwt.encode(
        claims, keys.active_key("RS256").private_key, algorithm="RS256", headers={"kid": es_kid}
    )
    assert tokens.verify_own_jwt(relabelled) is None


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "EdDSA"])
def test_signed_userinfo_core_5_3_2(browser, make_client, alg):
    rp, secret = make_client(userinfo_signed_response_alg=alg)
    code, verifier = get_code(browser, rp)
    access_token = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()[
        "access_token"
    ]
    response = Browser().get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert response.status_code == 200 and response["Content-Type"] == "application/jwt"
    claims = _verify_with(_jwks(), response.content.decode(), audience=rp.client_id)
    assert claims["iss"] == "http://127.0.0.1:8000" and claims["sub"] == browser.user.sub
    assert jwt.get_unverified_header(response.content.decode())["alg"] == alg


def test_private_keys_are_encrypted_in_the_raw_row():
    keys.jwks()
    with connection.cursor() as cursor:
        cursor.execute("SELECT kid, private_key_encrypted FROM oidc_signingkey")
        rows = cursor.fetchall()
    assert len(rows) == 4
    for _kid, stored in rows:
        assert stored.startswith("gAAAAA")  # a Fernet token (version 0x80)
        pem = at_rest.decrypt(stored).decode()
        assert "PRIVATE KEY" in pem and "PRIVATE" not in stored
        body = [line for line in pem.splitlines() if not line.startswith("-----")]
        assert not any(line in stored for line in body)  # no PEM/DER material in the clear


def test_reencrypt_keys_after_the_key_encryption_key_changes(settings):
    settings.PORTICO_KEY_ENCRYPTION_KEYS = ["old-kek-" + "o" * 32]
    kid = keys.active_key("ES256").kid
    before = SigningKey.objects.get(kid=kid).private_key_encrypted

    settings.PORTICO_KEY_ENCRYPTION_KEYS = ["new-kek-" + "n" * 32, "old-kek-" + "o" * 32]
    out = StringIO()
    call_command("reencrypt_keys", stdout=out)
    assert "re-encrypted 4 signing keys" in out.getvalue()
    assert SigningKey.objects.get(kid=kid).private_key_encrypted != before

    settings.PORTICO_KEY_ENCRYPTION_KEYS = ["new-kek-" + "n" * 32]  # the old value can now go
    keys.clear_cache()
    assert keys.active_key("ES256").kid == kid

    settings.PORTICO_KEY_ENCRYPTION_KEYS = ["unrelated-" + "u" * 32]
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("reencrypt_keys", stdout=StringIO())


# ---- lifecycle ----------------------------------------------------------------------------------------


def test_rotate_publishes_the_next_key_before_it_signs(make_client, browser):
    active = {a: keys.active_key(a).kid for a in SIGNING_ALGS}
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    assert out.getvalue().count(": prepared: published next key") == 4
    nexts = {k.alg: k.kid for k in SigningKey.objects.filter(state="next")}
    published = {k["kid"] for k in _jwks()["keys"]}
    assert set(nexts.values()) <= published and set(active.values()) <= published

    # Rotating again at once does not activate a key no cached JWKS may hold yet.
    out = StringIO()
    call_command("rotate_keys", "--alg", "ES256", stdout=out)
    assert "ES256: waiting" in out.getvalue() and "can be activated after" in out.getvalue()
    keys.clear_cache()
    assert {a: keys.active_key(a).kid for a in SIGNING_ALGS} == active


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_rotation_keeps_old_id_tokens_and_a_cached_jwks_verifying(browser, make_client, alg):
    rp, secret = make_client(id_token_signed_response_alg=alg)
    call_command("rotate_keys", stdout=StringIO())  # publish next keys
    cached_jwks = _jwks()  # what a client fetched and keeps for max-age
    code, verifier = get_code(browser, rp)
    old_token = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()["id_token"]

    _backdate(next=rotation.publish_lead() + timedelta(seconds=1))
    out = StringIO()
    call_command("rotate_keys", "--alg", alg, stdout=out)
    assert f"{alg}: rotated" in out.getvalue()
    code, verifier = get_code(browser, rp)
    new_token = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()["id_token"]

    old_kid, new_kid = (jwt.get_unverified_header(t)["kid"] for t in (old_token, new_token))
    assert old_kid != new_kid
    assert SigningKey.objects.get(kid=old_kid).state == "retired"
    assert SigningKey.objects.get(kid=new_kid).state == "active"
    for token in (old_token, new_token):  # zero failed verifications with the cached key set ...
        assert _verify_with(cached_jwks, token, audience=rp.client_id)["sub"] == browser.user.sub
    fresh_jwks = _jwks()  # ... and with the current one, which still holds the retired key
    for token in (old_token, new_token):
        assert _verify_with(fresh_jwks, token, audience=rp.client_id)["sub"] == browser.user.sub
    assert {old_kid, new_kid} <= {k["kid"] for k in fresh_jwks["keys"]}


def test_jwks_etag_changes_with_the_key_set():
    first = Browser().get("/.well-known/jwks.json")
    assert first["Cache-Control"] == "public, max-age=300"
    again = Browser().get("/.well-known/jwks.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    call_command("rotate_keys", "--alg", "RS256", stdout=StringIO())
    after = Browser().get("/.well-known/jwks.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]


def test_scheduled_rotation_happens_when_due_and_retired_keys_are_removed_later(settings):
    settings.PORTICO_KEY_ROTATION_DAYS = 90
    original = keys.active_key("EdDSA").kid

    out = StringIO()
    call_command("rotate_keys", "--if-due", stdout=out)  # no next key yet: publish one, change nothing else
    assert out.getvalue().count("prepared") == 4
    out = StringIO()
    call_command("rotate_keys", "--if-due", stdout=out)
    assert out.getvalue().count("nothing") == 4

    _backdate(active=timedelta(days=91), next=timedelta(days=1))
    call_command("rotate_keys", "--if-due", stdout=StringIO())
    assert SigningKey.objects.get(kid=original).state == "retired"
    assert SigningKey.objects.filter(state="active").count() == 4
    assert SigningKey.objects.filter(state="next").count() == 4
    assert keys.active_key("EdDSA").kid != original

    out = StringIO()
    call_command("rotate_keys", "--if-due", stdout=out)  # still within retention: kept
    assert SigningKey.objects.filter(kid=original).exists()
    _backdate(retired=rotation.retention() + timedelta(seconds=1))
    out = StringIO()
    call_command("rotate_keys", "--if-due", stdout=out)
    assert f"removed retired key {original}" in out.getvalue()
    assert original not in {k["kid"] for k in _jwks()["keys"]}


def test_disabled_algorithm_cannot_be_rotated(settings):
    settings.PORTICO_SIGNING_ALGS = ["RS256"]
    with pytest.raises(CommandError, match="not enabled"):
        call_command("rotate_keys", "--alg", "ES256", stdout=StringIO())


def test_admin_rotate_now_and_no_manual_key_edits(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root-pass-123")
    client.force_login(admin)
    keys.jwks()
    listing = client.get("/admin/oidc/signingkey/")
    assert b"Rotate now" in listing.content
    assert client.get("/admin/oidc/signingkey/rotate/").status_code == 405
    response = client.post("/admin/oidc/signingkey/rotate/", follow=True)
    text = response.content.decode()
    assert "published next key" in text and "can be activated after" in text
    assert SigningKey.objects.filter(state="next").count() == 4
    key = SigningKey.objects.filter(state="active").first()
    edit = client.post(f"/admin/oidc/signingkey/{key.pk}/change/", {"state": "retired"})
    assert edit.status_code == 403
    key.refresh_from_db()
    assert key.state == "active"


def test_rotate_now_needs_the_rotate_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="staff-pass-123", is_staff=True)
    client.force_login(staff)
    assert client.post("/admin/oidc/signingkey/rotate/").status_code == 403
    assert not SigningKey.objects.filter(state="next").exists()


def test_code_and_refresh_id_tokens_use_the_client_algorithm(browser, make_client):
    rp, secret = make_client(id_token_signed_response_alg="PS256")
    code, verifier = get_code(browser, rp)
    first = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    refreshed = refresh(rp, secret, first["refresh_token"]).json()
    for token in (first["id_token"], refreshed["id_token"]):
        assert jwt.get_unverified_header(token)["alg"] == "PS256"
        _verify_with(_jwks(), token, audience=rp.client_id)
