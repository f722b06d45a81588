"""oidc/prepared.py builds the same instances as the ORM queryset it was compiled from."""

import threading

import pytest
from django.db import connections

from oidc import bearer, client_auth
from oidc.models import AccessToken, Client
from oidc.prepared import PreparedLookup
from tests.integration.helpers import exchange, get_code

pytestmark = pytest.mark.django_db


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def test_access_token_with_user_and_client_matches_the_orm(browser, make_client):
    from django.test import Client as Browser

    rp, secret = make_client()
    code, verifier = get_code(browser, rp, claims='{"userinfo": {"email": {"essential": true}}}')
    exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    stored = AccessToken.objects.select_related("user", "application").get()
    prepared = bearer._BY_CHECKSUM.first(stored.token_checksum)
    assert _fields(prepared, ["pk", "scope", "expires", "created", "claims"]) == _fields(
        stored, ["pk", "scope", "expires", "created", "claims"]
    )
    assert prepared.claims == {"userinfo": {"email": {"essential": True}}}  # JSON converted like the ORM
    assert prepared.user.sub == stored.user.sub and prepared.user.email == stored.user.email
    assert prepared.application.client_id == rp.client_id and prepared.application.subject_type == "public"
    assert bearer._BY_CHECKSUM.first("0" * 64) is None


def test_client_lookup_matches_the_orm_and_skips_inactive(make_client):
    rp, _ = make_client(name="Prepared App")
    found = client_auth.active_client(rp.client_id)
    assert found.pk == rp.pk and found.name == "Prepared App" and found.redirect_uris == rp.redirect_uris
    Client.objects.filter(pk=rp.pk).update(is_active=False)
    assert client_auth.active_client(rp.client_id) is None


def test_plans_are_per_connection(make_client):
    rp, _ = make_client()
    lookup = PreparedLookup(lambda client_id: Client.objects.filter(client_id=client_id).order_by()[:1])
    assert lookup.first(rp.client_id).pk == rp.pk
    plan = lookup._local.plan
    assert plan.connection is connections["default"]
    seen = []
    worker = threading.Thread(target=lambda: seen.append(lookup._local.__dict__.get("plan")))
    worker.start()
    worker.join()
    assert seen == [None]  # another thread (another connection) compiles its own


def test_prepared_insert_stores_what_model_save_would(make_client, make_user):
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import set_token_value

    from oidc.prepared import PreparedInsert

    rp, _ = make_client()
    user = make_user()
    expires = timezone.now() + timedelta(hours=1)

    def build(value):
        token = AccessToken(
            user=user,
            application=rp,
            scope="openid email",
            expires=expires,
            claims={"userinfo": {"email": None}},
            resource=["https://api.example.org/"],
        )
        set_token_value(token, value)
        return token

    by_orm, prepared = build("orm-token"), build("prepared-token")
    by_orm.save()
    PreparedInsert(AccessToken).save(prepared)
    assert prepared.pk and prepared.pk != by_orm.pk and not prepared._state.adding
    a, b = AccessToken.objects.get(pk=by_orm.pk), AccessToken.objects.get(pk=prepared.pk)
    assert a.token == by_orm.token and b.token == prepared.token  # whatever set_token_value stores
    for name in ("user_id", "application_id", "scope", "expires", "claims", "resource", "grant_code"):
        assert getattr(a, name) == getattr(b, name), name
    assert b.created and b.updated  # auto_now_add / auto_now applied
    assert bearer._BY_CHECKSUM.first(b.token_checksum).pk == prepared.pk


def test_insert_sends_a_value_as_it_is_only_where_the_orm_would_not_change_it():
    from datetime import datetime

    from django.db import models

    from oidc.prepared import _plain_types

    connection = connections["default"]
    field = AccessToken._meta.get_field
    assert _plain_types(field("scope"), connection) == (str,)
    assert _plain_types(field("token_checksum"), connection) == (str,)  # its own pre_save only
    assert _plain_types(field("user"), connection) == (int, type(None))
    assert _plain_types(field("claims"), connection) == ()  # JSON is adapted
    postgres = connection.vendor == "postgresql"
    assert _plain_types(field("expires"), connection) == ((datetime, type(None)) if postgres else ())

    class Upper(models.CharField):
        def get_prep_value(self, value):
            return value.upper()

    assert _plain_types(Upper(max_length=3), connection) == ()


def test_retire_revokes_once_and_deletes_the_access_token_it_held(db, make_user, make_client):
    """RefreshToken.retire() (PreparedUpdate and PreparedDelete underneath): the state django-oauth-toolkit's revoke() leaves."""
    from datetime import timedelta

    from django.utils import timezone

    from oidc.models import AccessToken, RefreshToken

    user = make_user()
    rp, _ = make_client()
    access = AccessToken.objects.create(
        user=user,
        application=rp,
        token_checksum="a" * 64,
        expires=timezone.now() + timedelta(hours=1),
        scope="openid",
    )
    refresh = RefreshToken.objects.create(
        user=user, application=rp, token_checksum="b" * 64, access_token=access
    )
    stale_copy = RefreshToken.objects.get(pk=refresh.pk)
    assert refresh.retire() is True
    stored = RefreshToken.objects.get(pk=refresh.pk)
    assert stored.revoked is not None and stored.access_token_id is None
    assert stored.updated == stored.revoked
    assert not AccessToken.objects.filter(pk=access.pk).exists()
    assert refresh.revoked == stored.revoked and refresh.access_token is None
    # A second retirement (another request holding an older copy) changes nothing and says so.
    assert stale_copy.retire() is False
    assert RefreshToken.objects.get(pk=refresh.pk).revoked == stored.revoked


def _kept_cursor(connection):
    return getattr(connection, "_portico_kept_cursor", None)


@pytest.mark.django_db(transaction=True)  # close() is refused inside the test's atomic block
def test_statements_run_on_one_cursor_per_connection_and_follow_a_reconnect(make_client):
    rp, _ = make_client()
    connection = connections["default"]
    assert client_auth.active_client(rp.client_id).pk == rp.pk
    kept = _kept_cursor(connection)
    assert kept is not None and kept[0] is connection.connection
    assert client_auth.active_client(rp.client_id).pk == rp.pk
    assert _kept_cursor(connection) is kept  # reused, not made again
    connection.close()  # as CONN_MAX_AGE or a failed health check would
    assert client_auth.active_client(rp.client_id).pk == rp.pk
    renewed = _kept_cursor(connection)
    assert renewed[0] is connection.connection
    # Django never really closes an in-memory SQLite database.
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        assert renewed[0] is not kept[0] and renewed[1] is not kept[1]


def test_statements_raise_django_errors_and_refuse_a_broken_transaction(make_client, make_user):
    from datetime import timedelta

    from django.db import IntegrityError, transaction
    from django.db.transaction import TransactionManagementError
    from django.utils import timezone

    from oidc.prepared import PreparedInsert

    rp, _ = make_client()
    expires = timezone.now() + timedelta(hours=1)
    insert = PreparedInsert(AccessToken)
    insert.save(AccessToken(application=rp, token_checksum="c" * 64, expires=expires, scope="openid"))
    with pytest.raises(IntegrityError), transaction.atomic():  # django.db's, not the driver's
        insert.save(AccessToken(application=rp, token_checksum="c" * 64, expires=expires, scope="openid"))
    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            client_auth.active_client(rp.client_id)
    assert client_auth.active_client(rp.client_id).pk == rp.pk


def test_statements_are_recorded_while_django_records_queries(make_client):
    from django.test.utils import CaptureQueriesContext

    rp, _ = make_client()
    connection = connections["default"]
    lookup = PreparedLookup(lambda client_id: Client.objects.filter(client_id=client_id).order_by()[:1])
    with CaptureQueriesContext(connection) as queries:
        assert lookup.first(rp.client_id).pk == rp.pk
    assert len(queries) == 1 and "oidc_client" in queries[0]["sql"]


def test_instances_are_built_like_from_db_and_send_the_init_signals(make_client):
    from django.db.models.signals import post_init, pre_init

    from oidc.prepared import _settable_by_dict

    rp, _ = make_client(name="Signals")
    lookup = PreparedLookup(lambda client_id: Client.objects.filter(client_id=client_id).order_by()[:1])
    seen = []

    def before(sender, args, kwargs, **_):
        seen.append(("pre", sender, len(args)))

    def after(sender, instance, **_):
        seen.append(("post", sender, instance.name, instance._state.adding))

    pre_init.connect(before, sender=Client)
    post_init.connect(after, sender=Client)
    try:
        found = lookup.first(rp.client_id)
    finally:
        pre_init.disconnect(before, sender=Client)
        post_init.disconnect(after, sender=Client)
    columns = len(Client._meta.concrete_fields)
    # Like Model.from_db: pre_init with the values, post_init once they are set, and only then adding=False.
    assert seen == [("pre", Client, columns), ("post", Client, "Signals", True)]
    assert found._state.adding is False and found._state.db == "default"
    assert _settable_by_dict(Client, [f.attname for f in Client._meta.concrete_fields])
    stored = Client.objects.get(pk=rp.pk)
    assert {f.attname: getattr(found, f.attname) for f in Client._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in Client._meta.concrete_fields
    }


def test_attributes_with_their_own_setters_go_through_from_db():
    from oidc.prepared import _settable_by_dict

    names = [f.attname for f in Client._meta.concrete_fields]
    assert _settable_by_dict(Client, names)
    assert not _settable_by_dict(Client, [*names, "pk"])  # a property: only setattr runs its setter
