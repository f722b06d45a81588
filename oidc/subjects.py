"""Subject identifiers (Core 8): public (the user's own `sub`) or pairwise per sector (Core 8.1).

A pairwise sub is HMAC-SHA256(PORTICO_PAIRWISE_SALT, sector + user.sub): stable for a user within a sector,
unrelated across sectors, and not reversible without the salt. The sector is the host of the client's
sector_identifier_uri, or of its redirect URIs (which must then share one host).
"""

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from django.conf import settings


def sector_of(client) -> str:
    """Core 8.1: the host of sector_identifier_uri when registered, else the redirect URIs' single host."""
    if client.sector_identifier_uri:
        return urlsplit(client.sector_identifier_uri).hostname or ""
    hosts = {urlsplit(uri).hostname or "" for uri in client.redirect_uris.split()}
    return hosts.pop() if len(hosts) == 1 else ""


def pairwise(local_sub: str, sector: str) -> str:
    mac = hmac.new(
        settings.PORTICO_PAIRWISE_SALT.encode(), f"{sector}\x00{local_sub}".encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def sub_for(user, client) -> str:
    """The `sub` this client knows the user by, in id_tokens, userinfo and introspection alike."""
    if client is None or client.subject_type != "pairwise":
        return user.sub
    return pairwise(user.sub, sector_of(client))
