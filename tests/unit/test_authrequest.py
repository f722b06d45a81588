"""The authorization request's decision (oidc/authrequest.py) as pure functions: time is the `now=` argument,
the person and the client are plain values. No database, no HTTP."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from oidc import authrequest, errors
from oidc.authrequest import AuthRequest

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
PERSON = SimpleNamespace(sub="person-1")
CLIENT = SimpleNamespace(
    client_id="rp-1",
    subject_type="public",
    redirect_uris="https://rp.example.org/cb",
    sector_identifier_uri="",
    default_max_age=None,
    default_acr_values=None,
)


def _decide(request: AuthRequest, *, auth_time=NOW, user=PERSON, **options):
    values = dict(user=user, client=CLIENT, auth_time=auth_time, now=NOW, fresh=False, consent_needed=False)
    values.update(options)
    return authrequest.next_step(request, **values)


def _parse(**params):
    return authrequest.parse(params, CLIENT)


# ---- Core 3.1.2.1 max_age: at both edges -----------------------------------------------------------------
@pytest.mark.parametrize("max_age", [1, 60, 3600, 86400 * 30])
def test_core_3_1_2_1_max_age_exactly_elapsed_is_still_valid(max_age):
    request = AuthRequest(max_age=max_age)
    signed_in = NOW - timedelta(seconds=max_age)
    assert (
        authrequest.needs_authentication(
            request, user=PERSON, client=CLIENT, auth_time=signed_in, now=NOW, fresh=False
        )
        is None
    )
    assert _decide(request, auth_time=signed_in) == (authrequest.ISSUE, "")


@pytest.mark.parametrize("max_age", [1, 60, 3600, 86400 * 30])
def test_core_3_1_2_1_max_age_one_second_more_requires_login(max_age):
    request = AuthRequest(max_age=max_age)
    signed_in = NOW - timedelta(seconds=max_age + 1)
    assert _decide(request, auth_time=signed_in) == (authrequest.LOGIN, "The sign-in is older than max_age.")


def test_core_3_1_2_1_max_age_zero_means_a_sign_in_for_this_request():
    request = AuthRequest(max_age=0)
    assert _decide(request, auth_time=NOW - timedelta(milliseconds=1))[0] == authrequest.LOGIN
    assert _decide(request, auth_time=NOW - timedelta(seconds=5), fresh=True)[0] == authrequest.ISSUE


def test_core_3_1_2_6_max_age_passed_with_prompt_none_is_login_required():
    request = AuthRequest(prompt=frozenset({"none"}), max_age=60)
    assert _decide(request, auth_time=NOW - timedelta(seconds=60)) == (authrequest.ISSUE, "")
    with pytest.raises(errors.LoginRequired) as raised:
        _decide(request, auth_time=NOW - timedelta(seconds=61))
    assert raised.value.description == "The sign-in is older than max_age."


def test_core_3_1_2_1_a_request_max_age_overrides_the_registered_default():
    with_default = SimpleNamespace(**{**vars(CLIENT), "default_max_age": 600})
    assert authrequest.parse({}, with_default).max_age == 600
    assert authrequest.parse({"max_age": "30"}, with_default).max_age == 30
    assert authrequest.parse({"max_age": ""}, with_default).max_age == 600
    assert authrequest.parse({"max_age": "0"}, with_default).max_age == 0


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "\uff11", "-1", "1.5", " 1", "1e3", "abc", "1" * 11])
def test_core_3_1_2_1_max_age_must_be_ascii_digits(value):
    with pytest.raises(errors.InvalidRequest) as raised:
        _parse(max_age=value)
    assert raised.value.description == "max_age must be a non-negative number of seconds"


# ---- Core 3.1.2.6: prompt=none outcomes ----------------------------------------------------------------
SILENT = AuthRequest(prompt=frozenset({"none"}))


def test_core_3_1_2_6_prompt_none_without_a_sign_in_is_login_required():
    with pytest.raises(errors.LoginRequired):
        _decide(SILENT, user=None, auth_time=None)


def test_core_3_1_2_6_prompt_none_for_another_person_than_the_hint_is_login_required():
    with pytest.raises(errors.LoginRequired) as raised:
        _decide(AuthRequest(prompt=frozenset({"none"}), hint_sub="someone-else"))
    assert "id_token_hint" in raised.value.description
    assert _decide(AuthRequest(prompt=frozenset({"none"}), hint_sub=PERSON.sub)) == (authrequest.ISSUE, "")


def test_core_3_1_2_6_prompt_none_for_another_sub_than_the_claims_request_is_login_required():
    claims = {"id_token": {"sub": {"value": "someone-else"}}}
    with pytest.raises(errors.LoginRequired):
        _decide(AuthRequest(prompt=frozenset({"none"}), claims=claims))


def test_core_3_1_2_6_prompt_none_without_consent_is_consent_required():
    with pytest.raises(errors.ConsentRequired):
        _decide(SILENT, consent_needed=True)
    assert _decide(AuthRequest(), consent_needed=True) == (authrequest.CONSENT, "")


def test_core_3_1_2_6_prompt_none_needing_a_second_factor_is_interaction_required():
    wants_two = AuthRequest(prompt=frozenset({"none"}), acr_values=("2",))
    with pytest.raises(errors.InteractionRequired):
        _decide(wants_two, acr="1", can_step_up=True)
    assert _decide(wants_two, acr="2", can_step_up=True) == (authrequest.ISSUE, "")


def test_core_3_1_2_6_prompt_none_never_asks_to_select_an_account():
    # account_selection_required would answer prompt=none when a choice among sessions is needed; a browser
    # holds one sign-in here, and prompt=none cannot be combined with select_account (Core 3.1.2.1).
    assert _decide(SILENT) == (authrequest.ISSUE, "")
    with pytest.raises(errors.InvalidRequest):
        _parse(prompt="none select_account")
    assert _decide(AuthRequest(prompt=frozenset({"select_account"})))[0] == authrequest.SELECT_ACCOUNT
    assert _decide(AuthRequest(prompt=frozenset({"select_account"})), fresh=True)[0] == authrequest.ISSUE


def test_core_3_1_2_6_the_first_missing_step_decides_the_prompt_none_error():
    # Sign-in comes before the second factor, which comes before consent.
    with pytest.raises(errors.LoginRequired):
        _decide(
            AuthRequest(prompt=frozenset({"none"}), acr_values=("2",)),
            user=None,
            auth_time=None,
            consent_needed=True,
            can_step_up=True,
        )
    with pytest.raises(errors.InteractionRequired):
        _decide(
            AuthRequest(prompt=frozenset({"none"}), acr_values=("2",)), consent_needed=True, can_step_up=True
        )


@pytest.mark.parametrize("prompt", ["none login", "none consent", "none create", "banana", "none none2"])
def test_core_3_1_2_1_prompt_values(prompt):
    with pytest.raises(errors.InvalidRequest):
        _parse(prompt=prompt)


# ---- prompt=login, consent, create --------------------------------------------------------------------
def test_core_3_1_2_1_prompt_login_asks_again_unless_just_signed_in():
    request = AuthRequest(prompt=frozenset({"login"}))
    assert _decide(request) == (authrequest.LOGIN, "Re-authentication was requested (prompt=login).")
    assert _decide(request, fresh=True) == (authrequest.ISSUE, "")


def test_core_3_1_2_1_prompt_consent_asks_even_when_consent_was_given():
    assert _decide(AuthRequest(prompt=frozenset({"consent"})), consent_needed=False) == (
        authrequest.CONSENT,
        "",
    )


def test_prompt_create_is_refused_while_sign_up_is_closed_and_offered_while_open():
    request = AuthRequest(prompt=frozenset({"create"}))
    with pytest.raises(errors.InvalidRequest):
        _decide(request, user=None, auth_time=None)
    assert _decide(request, user=None, auth_time=None, signup_enabled=True)[0] == authrequest.CREATE
    assert _decide(request, signup_enabled=True, fresh=True) == (authrequest.ISSUE, "")


# ---- the acr matrix (Core 3.1.2.1 acr_values, Core 5.5.1.1 essential acr) ----------------------------------
def _acr_claim(**spec):
    return {"id_token": {"acr": spec}}


@pytest.mark.parametrize(
    "request_,wanted",
    [
        (AuthRequest(), (None, False)),
        (AuthRequest(acr_values=("2",)), ("2", False)),
        (AuthRequest(acr_values=("urn:other", "2", "1")), ("2", False)),
        (AuthRequest(acr_values=("urn:other",)), (None, False)),
        (AuthRequest(claims=_acr_claim(essential=True, values=["2", "1"])), ("1", True)),
        (AuthRequest(claims=_acr_claim(essential=True, value="2")), ("2", True)),
        (AuthRequest(claims=_acr_claim(essential=True, values=["urn:other"])), ("unknown", True)),
        (AuthRequest(claims=_acr_claim(essential=False, values=["2"]), acr_values=("1",)), ("1", False)),
        (AuthRequest(claims=_acr_claim(essential=True), acr_values=("2",)), ("2", False)),
    ],
)
def test_core_5_5_1_1_wanted_acr(request_, wanted):
    assert authrequest.wanted_acr(request_) == wanted


VOLUNTARY_TWO = AuthRequest(acr_values=("2",))
ESSENTIAL_TWO = AuthRequest(claims=_acr_claim(essential=True, values=["2"]))
ESSENTIAL_UNKNOWN = AuthRequest(claims=_acr_claim(essential=True, values=["urn:other"]))


@pytest.mark.parametrize(
    "request_,acr,can_step_up,outcome",
    [
        (AuthRequest(), "1", False, None),
        (AuthRequest(acr_values=("1",)), "1", False, None),
        (VOLUNTARY_TWO, "2", False, None),
        (VOLUNTARY_TWO, "2", True, None),
        (VOLUNTARY_TWO, "1", True, authrequest.STEP_UP),
        (VOLUNTARY_TWO, "", True, authrequest.STEP_UP),  # no recorded acr counts as level 1
        (VOLUNTARY_TWO, "1", False, None),  # voluntary: issued at the level reached
        (ESSENTIAL_TWO, "2", False, None),
        (ESSENTIAL_TWO, "1", True, authrequest.STEP_UP),
        (ESSENTIAL_TWO, "1", False, errors.UnmetAuthenticationRequirements),
        (ESSENTIAL_UNKNOWN, "2", True, errors.UnmetAuthenticationRequirements),
        (ESSENTIAL_UNKNOWN, "1", False, errors.UnmetAuthenticationRequirements),
    ],
)
def test_acr_matrix_unmet_authentication_requirements_1_0(request_, acr, can_step_up, outcome):
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            authrequest.acr_problem(request_, acr=acr, can_step_up=can_step_up)
    else:
        assert authrequest.acr_problem(request_, acr=acr, can_step_up=can_step_up) == outcome


def test_acr_step_up_comes_after_sign_in_and_before_consent():
    assert _decide(VOLUNTARY_TWO, acr="1", can_step_up=True, consent_needed=True)[0] == authrequest.STEP_UP
    assert _decide(VOLUNTARY_TWO, acr="2", can_step_up=True, consent_needed=True)[0] == authrequest.CONSENT
    assert _decide(VOLUNTARY_TWO, user=None, auth_time=None, can_step_up=True)[0] == authrequest.LOGIN
    with pytest.raises(errors.UnmetAuthenticationRequirements):
        _decide(ESSENTIAL_TWO, acr="1", can_step_up=False)


def test_registration_2_default_acr_values_apply_when_the_request_names_none():
    with_default = SimpleNamespace(**{**vars(CLIENT), "default_acr_values": ["2"]})
    assert authrequest.parse({}, with_default).acr_values == ("2",)
    assert authrequest.parse({"acr_values": "1"}, with_default).acr_values == ("1",)


# ---- Core 11: offline_access ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prompt,response_type,first_party,consented,kept",
    [
        ("consent", "code", False, False, True),
        ("", "code", False, False, True),  # the consent page is shown and names it
        ("none", "code", False, False, False),  # no page can ask: ignored, not refused
        ("none", "code", False, True, True),  # consented to before
        ("consent", "id_token", False, False, False),  # no code, nothing to refresh
        ("none", "code", True, False, True),  # first party: Core 11's "other conditions"
    ],
)
def test_core_11_offline_access_needs_a_code_and_consent(prompt, response_type, first_party, consented, kept):
    client = SimpleNamespace(skip_authorization=first_party)
    request = AuthRequest(prompt=frozenset(prompt.split()))
    scopes = authrequest.offline_access(
        ["openid", "offline_access"], request, response_type=response_type, client=client, consented=consented
    )
    assert ("offline_access" in scopes) is kept and "openid" in scopes
