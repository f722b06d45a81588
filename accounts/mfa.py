"""Second factors: authenticator apps (TOTP, RFC 6238), recovery codes, and the half-finished sign-in that
waits for one. Passkeys live in accounts/passkeys.py."""

import hashlib
import io
import secrets
import time
from dataclasses import dataclass

import pyotp
import qrcode
import qrcode.image.svg
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from config import at_rest

from .models import RecoveryCode, TOTPDevice

ISSUER_NAME = "Portico"
TOTP_PERIOD = 30
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
PENDING_KEY = "portico_mfa_pending"
PENDING_MAX_AGE = 600


# -- TOTP ---------------------------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, RFC 4226 4's recommended length


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email or user.get_username(), issuer_name=ISSUER_NAME
    )


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no image library, no external service)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def totp_matches(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step a code belongs to, allowing one step of clock drift either way (RFC 6238 5.2)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // TOTP_PERIOD)
    for step in (current - 1, current, current + 1):
        if constant_time_compare(totp.at(step * TOTP_PERIOD), code):
            return step
    return None


def enable_totp(user, secret: str, *, used_step: int = 0) -> TOTPDevice:
    """used_step: the step of the code that proved the set-up, which cannot then sign in a second time."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, secret_encrypted=at_rest.encrypt(secret.encode()), last_step=used_step
    )


def verify_totp(user, code: str, *, now: float | None = None) -> bool:
    """A valid code, used at most once: the step is recorded by a conditional UPDATE, so a replayed code
    (or two concurrent uses of one) fails."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        return False
    step = totp_matches(at_rest.decrypt(device.secret_encrypted).decode(), code, now=now)
    if step is None:
        return False
    return TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step) == 1


# -- Recovery codes ----------------------------------------------------------------------------------------


def _canonical(code: str) -> str:
    return code.replace("-", "").replace(" ", "").lower()


def _digest(code: str) -> str:
    """HMAC-SHA256 under a key derived from the key-encryption secret: ten characters of a 32-letter alphabet
    are 50 bits, too few to resist guessing against a plain hash from a copied database."""
    return at_rest.keyed_digest(_canonical(code), purpose="recovery-code")


def _candidates(code: str) -> list[str]:
    """Every stored form this code may have: keyed under the current or a fallback secret, or the unkeyed
    SHA-256 of rows written before keyed digests (they cannot be converted without the codes; each goes
    when it is used or the codes are replaced)."""
    canonical = _canonical(code)
    legacy = hashlib.sha256(canonical.encode()).hexdigest()
    return [*at_rest.keyed_digests(canonical, purpose="recovery-code"), legacy]


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; the plaintext is shown once and never stored."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(code)) for code in codes)
    return codes


def use_recovery_code(user, code: str) -> bool:
    """Single use (conditional UPDATE); the row keeps the current keyed digest, whatever form it had."""
    return (
        RecoveryCode.objects.filter(user=user, digest__in=_candidates(code), used_at__isnull=True).update(
            used_at=timezone.now(), digest=_digest(code)
        )
        == 1
    )


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# -- Which factors an account has --------------------------------------------------------------------------


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user).exists()


def has_second_factor(user) -> bool:
    return has_totp(user) or user.passkeys.exists()


def disable_totp(user) -> None:
    """The authenticator app goes; recovery codes stay while passkeys still guard the account."""
    TOTPDevice.objects.filter(user=user).delete()
    if not user.passkeys.exists():
        RecoveryCode.objects.filter(user=user).delete()


# -- The sign-in waiting for its second factor -------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user: object
    amr: list[str]
    remember: bool
    next: str
    throttle_keys: list[str]


def stash(
    request: HttpRequest, user, *, amr: list[str], remember: bool, next_url: str, throttle_keys: list[str]
) -> None:
    """The first factor was right; the session remembers that (not who is signed in) for a few minutes."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "amr": amr,
        "remember": remember,
        "next": next_url,
        "keys": throttle_keys,
        "at": int(time.time()),
    }


def pending(request: HttpRequest) -> Pending | None:
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - data["at"] > PENDING_MAX_AGE:
        return None
    user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
    if user is None:
        return None
    return Pending(
        user=user,
        amr=list(data["amr"]),
        remember=bool(data["remember"]),
        next=data["next"],
        throttle_keys=list(data.get("keys", [])),
    )


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
