"""Email verification by signed link (no table): the link names the account and the address it proves.

A link verifies only the address it was sent to: after a later change the old link no longer matches, and
following it twice is harmless. Links expire after VERIFY_MAX_AGE.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

from . import conf

SALT = "portico.accounts.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600


@dataclass(frozen=True)
class Claim:
    user_id: int
    email: str
    next: str


def make_token(user, email: str, next_url: str = "") -> str:
    return signing.dumps({"u": user.pk, "e": email, "n": next_url}, salt=SALT, compress=True)


def read_token(token: str, *, max_age: int = VERIFY_MAX_AGE) -> Claim | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None
    return Claim(user_id=int(data["u"]), email=str(data["e"]), next=str(data.get("n", "")))


def link(user, email: str, next_url: str = "") -> str:
    path = reverse("accounts:verify-email")
    return conf.base_url() + path + "?" + urlencode({"token": make_token(user, email, next_url)})
