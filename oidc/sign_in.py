"""The sign-in context: how and when the person authenticated (Core 2: auth_time, sid, acr, amr) and the
claims they were asked for (Core 5.5). One value, carried from the browser sign-in to the authorization
code, from the code to the refresh token and along every rotation, and into every id_token minted from
them (Core 12.2: a refreshed id_token keeps the original auth_time)."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SignInContext:
    auth_time: datetime | None = None
    sid: str = ""
    acr: str = ""
    amr: tuple[str, ...] = ()
    claims: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, row: Any) -> "SignInContext":
        """From a stored row: a browser sign-in (accounts.SignIn), a code (Grant) or a refresh token."""
        claims = getattr(row, "claims", None)
        if isinstance(claims, str):
            claims = (
                json.loads(claims) if claims else {}
            )  # Grant.claims is django-oauth-toolkit's text column
        return cls(
            auth_time=row.auth_time,
            sid=row.sid or "",
            acr=row.acr or "",
            amr=tuple(row.amr or ()),
            claims=claims if isinstance(claims, dict) else {},
        )

    @classmethod
    def from_request(cls, request: Any) -> "SignInContext":
        """What an oauthlib request carries (set by `apply`, or by the authorization view's credentials)."""
        claims = getattr(request, "claims", None)
        return cls(
            auth_time=getattr(request, "auth_time", None),
            sid=getattr(request, "sid", "") or "",
            acr=getattr(request, "acr", "") or "",
            amr=tuple(getattr(request, "amr", None) or ()),
            claims=claims if isinstance(claims, dict) else {},
        )

    def with_claims(self, claims: dict[str, Any] | None) -> "SignInContext":
        return SignInContext(self.auth_time, self.sid, self.acr, self.amr, claims or {})

    def apply(self, request: Any) -> None:
        """Hand the context to oauthlib's request, where the id_token and the next rows read it."""
        request.auth_time, request.sid, request.acr, request.amr = (
            self.auth_time,
            self.sid,
            self.acr,
            list(self.amr),
        )
        request.claims = self.claims or None

    def fields(self) -> dict[str, Any]:
        """The columns a Grant or RefreshToken stores it in, and the authorization view's credentials (without
        the claims, whose column types differ)."""
        return {"auth_time": self.auth_time, "sid": self.sid, "acr": self.acr, "amr": list(self.amr)}

    def id_token_claims(self) -> dict[str, Any]:
        """Core 2: sid, acr and amr as id_token claims (auth_time is added by the id_token's assembly)."""
        return {"sid": self.sid or None, "acr": self.acr or None, "amr": list(self.amr) or None}
