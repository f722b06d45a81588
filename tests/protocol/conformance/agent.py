"""A person's browser (requests + a small HTML form reader) and an independent id_token check, for the
OpenID conformance modules. Nothing here imports Portico: it sees only HTTP."""

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey

REDIRECT = "https://rp.example.org/cb"


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action") or "",
                    "id": attributes.get("id"),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif self.forms and tag == "input" and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
        elif self.forms and tag == "button" and attributes.get("name"):
            self.forms[-1]["buttons"].append((attributes["name"], attributes.get("value") or ""))


def forms_of(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


@dataclass
class Outcome:
    """Where the flow ended: a response to the client (params, and how they travelled) or a page."""

    mode: str  # query | fragment | form_post | page
    params: dict = field(default_factory=dict)
    page: str = ""  # login | consent | select_account | error
    status: int = 0
    text: str = ""
    location: str = ""


class UserAgent:
    """Follows redirects inside the provider, fills in the login form, answers consent and account choice,
    and stops at the first response addressed to the client."""

    def __init__(self, issuer: str, *, redirect_uri: str = REDIRECT):
        self.issuer, self.redirect_uri = issuer, redirect_uri
        self.http = requests.Session()
        self.pages: list[str] = []

    def authorize(
        self,
        params: dict,
        *,
        user=None,
        consent: str | None = "allow",
        choose: str | None = None,
        method: str = "GET",
    ) -> Outcome:
        endpoint = self.issuer + "/authorize"
        if method == "POST":
            response = self.http.post(endpoint, data=params, allow_redirects=False, timeout=10)
        else:
            response = self.http.get(endpoint + "?" + urlencode(params), allow_redirects=False, timeout=10)
        return self._follow(response, user=user, consent=consent, choose=choose)

    def open(self, url: str, *, user=None, consent: str | None = "allow") -> Outcome:
        """Start from an authorization URL a client library built."""
        response = self.http.get(url, allow_redirects=False, timeout=10)
        return self._follow(response, user=user, consent=consent, choose=None)

    def _to_client(self, location: str) -> Outcome:
        parts = urlsplit(location)
        if parts.fragment:
            return Outcome("fragment", dict(parse_qsl(parts.fragment)), location=location)
        return Outcome("query", dict(parse_qsl(parts.query)), location=location)

    def _follow(self, response, *, user, consent, choose) -> Outcome:
        for _ in range(12):
            if response.status_code in (301, 302, 303):
                location = urljoin(response.url, response.headers["Location"])
                if location.startswith(self.redirect_uri):
                    return self._to_client(location)
                response = self.http.get(location, allow_redirects=False, timeout=10)
                continue
            text = response.text
            forms = forms_of(text)
            by_id = {f["id"]: f for f in forms}
            if "form-post" in by_id:
                form = by_id["form-post"]
                assert form["action"].startswith(self.redirect_uri), form["action"]
                return Outcome("form_post", form["fields"], text=text, location=form["action"])
            login = next((f for f in forms if "password" in f["fields"]), None)
            consent_form = next((f for f in forms if f["action"].endswith("/authorize/consent")), None)
            select = [f for f in forms if f["action"].endswith("/authorize/select-account")]
            if login is not None:
                self.pages.append("login")
                if user is None:
                    return Outcome("page", page="login", status=response.status_code, text=text)
                data = {**login["fields"], "username": user.username, "password": user.raw_password}
                response = self._post(response.url, login["action"], data)
                user = None  # sign in once per flow
            elif consent_form is not None:
                self.pages.append("consent")
                if consent is None:
                    return Outcome("page", page="consent", status=response.status_code, text=text)
                response = self._post(
                    response.url, consent_form["action"], {**consent_form["fields"], "decision": consent}
                )
            elif select:
                self.pages.append("select_account")
                if choose is None:
                    return Outcome("page", page="select_account", status=response.status_code, text=text)
                form = select[0] if choose == "current" else select[-1]
                response = self._post(response.url, form["action"], {**form["fields"], "choice": choose})
                choose = None
            else:
                return Outcome("page", page="error", status=response.status_code, text=text)
        raise AssertionError("too many steps")

    def _post(self, page_url: str, action: str, data: dict):
        target = urljoin(page_url, action) if action else page_url
        return self.http.post(
            target, data=data, headers={"Referer": page_url}, allow_redirects=False, timeout=10
        )


def half_hash(value: str) -> str:
    """Core 3.3.2.11, computed here independently: left half of SHA-256 (RS256 clients)."""
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def verify_id_token(issuer: str, token: str, *, client_id: str, nonce: str | None = None) -> dict:
    """Core 3.1.3.7: signature against the published JWKS, iss, aud, exp, iat, nonce."""
    keyset = KeySet.import_key_set(requests.get(issuer + "/.well-known/jwks.json", timeout=10).json())
    decoded = jwt.decode(token, keyset, algorithms=["RS256", "PS256", "ES256", "EdDSA"])
    claims = decoded.claims
    assert decoded.header["alg"] != "none"
    assert claims["iss"] == issuer
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert client_id in audience
    now = time.time()
    assert claims["exp"] > now and claims["iat"] <= now + 5
    assert isinstance(claims["sub"], str) and claims["sub"]
    if nonce is not None:
        assert claims["nonce"] == nonce
    return claims


def client_key(alg: str, *, kid: str = "rp-key-1"):
    """A relying party's signing key for `alg`, generated now (its public JWK goes into registration)."""
    parameters = {"kid": kid, "use": "sig"}
    if alg.startswith(("RS", "PS")):
        return RSAKey.generate_key(2048, parameters=parameters)
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters)
    return OKPKey.generate_key("Ed25519", parameters=parameters)


def public_jwks(*keys) -> dict:
    return {"keys": [key.as_dict(private=False) for key in keys]}


def request_object(claims: dict, key=None, *, alg: str = "RS256") -> str:
    """Core 6.1: the request parameters as a JWT, signed by the client with joserfc; unsigned (RFC 7515 A.5,
    an empty signature) when no key is given."""
    if key is None:
        segments = [{"alg": "none"}, claims]
        encoded = [base64.urlsafe_b64encode(json.dumps(s).encode()).rstrip(b"=").decode() for s in segments]
        return ".".join(encoded) + "."
    return jwt.encode(
        {"alg": alg, "kid": key.kid, "typ": "oauth-authz-req+jwt"}, claims, key, algorithms=[alg]
    )
