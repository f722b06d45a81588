"""Hypothesis strategies for malformed requests, and the check every answer to them must pass.

Bytes go to the server as they are: a raw QUERY_STRING (WSGI hands it over latin-1 decoded), a raw body with
any declared charset, header values of any latin-1 character. Parameter names come from the protocol's own
vocabulary as often as not, so the generated requests reach past the first parse into the endpoints' rules.
"""

import base64
import json
from urllib.parse import quote

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.oauth import ERROR_MEMBERS

settings.register_profile(
    "never_5xx",
    max_examples=120,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays stable, a failure reproduces
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NEVER_5XX = settings.get_profile("never_5xx")

PARAMETERS = (
    "response_type client_id redirect_uri scope state nonce prompt max_age code_challenge "
    "code_challenge_method response_mode request request_uri id_token_hint login_hint acr_values claims "
    "display ui_locales resource grant_type code code_verifier refresh_token client_secret "
    "client_assertion client_assertion_type token token_type_hint access_token"
).split()

BAD_ESCAPES = [
    "%",
    "%0",
    "%G1",
    "%zz",
    "%FF",
    "%C3%28",
    "%E0%A4%A",
    "%ED%A0%80",
    "%00",
    "%%",
    "+%2",
    "%u00e9",
]

# Any character, including NUL, controls, lone surrogates and the astral planes.
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
printable = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f"), max_size=40
)
latin1_text = st.text(st.characters(max_codepoint=0xFF), max_size=60)
plausible = st.one_of(
    st.sampled_from(
        ["", "code", "openid", "none", "S256", "plain", "0", "-1", "\u00b2", "x" * 300, "a" * 43]
    ),
    st.from_regex(r"[A-Za-z0-9._~-]{0,130}", fullmatch=True),
    any_text,
)


@st.composite
def raw_piece(draw, text=plausible) -> str:
    """One name or value as it may appear on the wire: percent-encoded, raw, or with broken escapes."""
    value = draw(text)
    how = draw(st.sampled_from(["quote", "quote", "raw", "broken"]))
    if how == "quote":
        return quote(value.encode("utf-8", "surrogatepass"), safe="")
    if how == "raw":
        return value.encode("utf-8", "surrogatepass").decode("latin-1")
    return quote(value.encode("utf-8", "surrogatepass"), safe="") + draw(st.sampled_from(BAD_ESCAPES))


@st.composite
def raw_query(draw, base: dict[str, str] | None = None) -> str:
    """A query string or form body: well-formed base pairs, then arbitrary, repeated or broken ones."""
    pairs = [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (base or {}).items()]
    names = st.one_of(st.sampled_from(PARAMETERS), any_text)
    extra = draw(st.lists(st.tuples(raw_piece(names), raw_piece()), max_size=6))
    pairs += [f"{name}={value}" for name, value in extra]
    pairs += draw(st.lists(st.sampled_from(["", "=", "&", "==", "x", "=x", "a=b=c", ";"]), max_size=2))
    if draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    return "&".join(pairs)


def basic_header(client_id: str, secret: str) -> st.SearchStrategy[str]:
    """Authorization headers: the right credentials, wrong ones, undecodable ones, or none of the scheme."""
    garbage = st.binary(max_size=40).map(lambda raw: "Basic " + base64.b64encode(raw).decode())
    return st.one_of(
        st.just("Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()),
        garbage,
        st.tuples(latin1_text, latin1_text).map(
            lambda pair: "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode("latin-1")).decode()
        ),
        latin1_text.map(lambda text: "Basic " + text),
        latin1_text.map(lambda text: "Bearer " + text),
        latin1_text,
        st.just(""),
    )


FORM_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "application/x-www-form-urlencoded; charset=",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "application/json",
    "text/plain",
    "",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=12,
)


def encode_json(document) -> bytes:
    """JSON as a client could send it; lone surrogates travel as \\ud800 escapes, as JSON allows."""
    return json.dumps(document).encode()


def assert_answered(response, *, token_family: bool = False) -> None:
    """Never a 5xx; an OAuth JSON error is spec-shaped (RFC 6749 5.2: error, error_description, error_uri)."""
    assert response.status_code < 500, (response.status_code, response.content[:300])
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if response.status_code >= 400 and content_type == "application/json":
        body = response.json()
        if response.status_code == 401 and body == {}:
            return  # RFC 6750 3.1: a request without credentials gets a challenge and no error code
        if token_family or "error" in body:
            assert isinstance(body, dict) and isinstance(body.get("error"), str), body
            assert set(body) <= ERROR_MEMBERS, body
