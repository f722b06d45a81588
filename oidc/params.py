"""Request parameter hygiene shared by the protocol endpoints."""


def has_nul(params) -> bool:
    """NUL bytes are never valid in OAuth parameters, and PostgreSQL refuses them in text (a 500 otherwise)."""
    return any("\x00" in value for values in params.lists() for value in values)
