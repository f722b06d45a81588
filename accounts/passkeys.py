"""WebAuthn passkeys (the `webauthn` package): registering one, and using one as a second factor or on its
own (a discoverable credential, "passwordless"). The challenge lives in the session, once."""

import json
import re

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from . import conf
from .models import Passkey

CHALLENGE_KEY = "portico_webauthn_challenge"
BASE64URL = re.compile(r"[A-Za-z0-9_-]{1,1400}")


class PasskeyError(Exception):
    pass


def _remember_challenge(request: HttpRequest, purpose: str, challenge: bytes) -> None:
    request.session[CHALLENGE_KEY] = {"purpose": purpose, "challenge": bytes_to_base64url(challenge)}


def _take_challenge(request: HttpRequest, purpose: str) -> bytes:
    data = request.session.pop(CHALLENGE_KEY, None)
    if not data or data.get("purpose") != purpose:
        raise PasskeyError(_("No passkey request is waiting. Try again."))
    return base64url_to_bytes(data["challenge"])


def registration_options(request: HttpRequest, user) -> str:
    options = generate_registration_options(
        rp_id=conf.webauthn_rp_id(),
        rp_name="Portico",
        user_id=user.sub.encode(),
        user_name=user.email or user.get_username(),
        user_display_name=user.get_full_name() or user.get_username(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in user.passkeys.all()
        ],
    )
    _remember_challenge(request, f"register:{user.pk}", options.challenge)
    return options_to_json(options)


def register(request: HttpRequest, user, credential: str, *, name: str) -> Passkey:
    challenge = _take_challenge(request, f"register:{user.pk}")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=conf.webauthn_rp_id(),
            expected_origin=conf.webauthn_origin(),
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError(_("This passkey could not be verified.")) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise PasskeyError(_("This passkey is already registered."))
    return Passkey.objects.create(
        user=user,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        device_type=str(getattr(verified.credential_device_type, "value", verified.credential_device_type)),
        transports=_transports(credential),
        name=name.replace("\x00", "")[:100] or "Passkey",
    )


def _transports(credential: str) -> list[str]:
    try:
        transports = json.loads(credential).get("response", {}).get("transports", [])
    except (ValueError, AttributeError):
        return []
    if not isinstance(transports, list):
        return []
    return [str(t).replace("\x00", "")[:20] for t in transports][:8]


def authentication_options(request: HttpRequest, user=None) -> str:
    """For a known user (second factor) their credentials; otherwise any discoverable one (passwordless)."""
    allow = [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in user.passkeys.all()
    ] if user is not None else []
    # On its own a passkey must also verify the person (PIN or biometric): possession alone would be a
    # single factor that skips the account's second step.
    options = generate_authentication_options(
        rp_id=conf.webauthn_rp_id(),
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.PREFERRED if user is not None else UserVerificationRequirement.REQUIRED,
    )
    _remember_challenge(request, f"authenticate:{user.pk if user else ''}", options.challenge)
    return options_to_json(options)


def authenticate(request: HttpRequest, credential: str, *, user=None) -> tuple[Passkey, list[str]]:
    """The passkey used and its amr (RFC 8176): hwk for a device-bound key, swk for a synced one, plus mfa
    when the authenticator verified the person (PIN or biometric) as well as possession."""
    challenge = _take_challenge(request, f"authenticate:{user.pk if user else ''}")
    try:
        credential_id = json.loads(credential)["id"]
    except (ValueError, KeyError, TypeError) as error:
        raise PasskeyError(_("This passkey could not be verified.")) from error
    if not isinstance(credential_id, str) or not BASE64URL.fullmatch(credential_id):
        raise PasskeyError(_("This passkey could not be verified."))
    passkey = Passkey.objects.select_related("user").filter(credential_id=str(credential_id)).first()
    if passkey is None or (user is not None and passkey.user_id != user.pk) or not passkey.user.is_active:
        raise PasskeyError(_("This passkey is not registered here."))
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=conf.webauthn_rp_id(),
            expected_origin=conf.webauthn_origin(),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=user is None,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError(_("This passkey could not be verified.")) from error
    Passkey.objects.filter(pk=passkey.pk).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now()
    )
    amr = ["swk" if passkey.device_type == "multi_device" else "hwk"]
    if verified.user_verified:
        amr.append("mfa")
    return passkey, amr


def remove(user, passkey_id: int) -> bool:
    deleted, _ = Passkey.objects.filter(user=user, pk=passkey_id).delete()
    return bool(deleted)


