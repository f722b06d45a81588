"""Secret handling helpers: digests for lookup, keyed hashing for client secrets, constant-time checks."""

import functools
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare


def digest(value: str) -> str:
    """SHA-256 hex digest used to store and look up single-use values (codes) without keeping them."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_token(request=None) -> str:
    """Access and refresh token values (django-oauth-toolkit's ACCESS/REFRESH_TOKEN_GENERATOR): 256 bits from
    the operating system's CSPRNG, base64url (43 characters). oauthlib's default draws 30 characters one by one
    through random.SystemRandom (~178 bits), several times slower."""
    return secrets.token_urlsafe(32)


@functools.lru_cache(maxsize=16)  # SECRET_KEY and its fallbacks: derived once, not on every token request
def _pepper(secret_key: str) -> bytes:
    return hashlib.sha256(b"portico.client-secret\x00" + secret_key.encode("utf-8")).digest()


class ClientSecretHasher(BasePasswordHasher):
    """Keyed SHA-256 for generated client secrets.

    A password hasher's deliberate slowness defends low-entropy human passwords; generated client secrets
    carry >= 256 bits of entropy, so brute force is already infeasible and a slow hash would only cost
    ~200 ms of CPU per token request. The key (derived from SECRET_KEY) means a database dump alone does
    not allow checking guesses offline. Old keys in SECRET_KEY_FALLBACKS still verify, so SECRET_KEY can be
    rotated without breaking clients.
    """

    algorithm = "portico_client_secret"

    def salt(self) -> str:
        return secrets.token_hex(8)

    def _hash(self, password: str, salt: str, secret_key: str) -> str:
        return hmac.new(_pepper(secret_key), f"{salt}${password}".encode(), hashlib.sha256).hexdigest()

    def encode(self, password: str, salt: str) -> str:
        if password is None or not salt or "$" in salt:
            raise ValueError("a password and a salt without $ are required")
        return f"{self.algorithm}${salt}${self._hash(password, salt, settings.SECRET_KEY)}"

    def decode(self, encoded: str) -> dict:
        algorithm, salt, hash_ = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": hash_, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        # Evaluate every key so timing does not reveal which one matched.
        results = [
            constant_time_compare(self._hash(password, decoded["salt"], k), decoded["hash"]) for k in keys
        ]
        return any(results)

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None
