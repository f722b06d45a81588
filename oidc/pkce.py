"""RFC 7636 PKCE policy. Only S256 is accepted (RFC 9700 2.1.1: plain offers no protection when the
authorization request leaks)."""

import re

SUPPORTED_METHODS = ["S256"]
# RFC 7636 4.1 / 4.2: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_WELL_FORMED = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def is_well_formed(value: str) -> bool:
    """RFC 7636 4.1 (code_verifier) and 4.2 (code_challenge): length and character set."""
    return _WELL_FORMED.fullmatch(value) is not None


def is_required(client) -> bool:
    """RFC 9700 2.1.1: public clients MUST use PKCE; confidential clients may opt in with require_pkce."""
    return client is None or client.is_public or client.require_pkce


def downgrade_error(*, challenge_stored: bool, verifier_sent: bool) -> str | None:
    """RFC 9700 2.1.1 / RFC 7636 4.5: a code issued with a challenge needs the verifier, and a verifier
    sent for a code issued without a challenge is rejected (PKCE downgrade attack, RFC 9700 4.8.2)."""
    if challenge_stored and not verifier_sent:
        return "code_verifier is required: the authorization request carried a code_challenge"
    if verifier_sent and not challenge_stored:
        return "code_verifier sent but the authorization request carried no code_challenge"
    return None
