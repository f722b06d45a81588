"""Resource indicators (RFC 8707): which resource servers a token is for."""

from oauth2_provider.oauth2_validators import is_valid_resource_uri

from . import errors


def validated(values: list[str]) -> list[str]:
    """RFC 8707 2: each resource is an absolute URI without a fragment."""
    for value in values:
        if not is_valid_resource_uri(value):
            raise errors.InvalidTarget(
                f"The resource '{value}' is not a valid resource indicator: it must be an absolute URI "
                "without a fragment (RFC 8707 2)."
            )
    return values


def at_authorization(values: list[str]) -> list[str]:
    """RFC 8707 2: `resource` may be repeated, and values are not split (a URI holds no spaces)."""
    return validated([value for value in values for value in value.split()])


def at_token(request) -> list[str]:
    """RFC 8707 2: repeated `resource` parameters of a token request (oauthlib keeps only the last one; the
    decoded body has them all)."""
    found = [v for k, v in (getattr(request, "decoded_body", None) or []) if k == "resource"]
    return found or on_request(request)


def on_request(request) -> list[str]:
    """The resources on oauthlib's request (a list set by the authorization endpoint, or one string)."""
    resource = getattr(request, "resource", None)
    if isinstance(resource, str):
        return [resource] if resource.strip() else []
    return [str(r) for r in resource] if isinstance(resource, list) else []


def narrow(requested: list[str], granted: list[str]) -> list[str]:
    """RFC 8707 2.2: a token request may narrow the authorization's resources, never widen them."""
    validated(requested)
    for value in requested if granted else []:
        if value not in granted:
            raise errors.InvalidTarget(f"The requested resource '{value}' was not part of the authorization.")
    return requested or validated(granted)  # granted: rows may predate validation at /authorize
