"""PreparedLookup(reuse_unchanged=True) on PostgreSQL: the client lookups ask only for the row's version while
it is unchanged, and every change, however written, is seen by the next lookup."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oidc import client_auth, clients
from oidc.models import Client
from oidc.prepared import PreparedLookup

pytestmark = pytest.mark.django_db


def _lookup(client_id):
    with CaptureQueriesContext(connection) as queries:
        found = client_auth.active_client(client_id)
    return found, [q["sql"] for q in queries]


def test_an_unchanged_client_costs_one_narrow_statement(make_client):
    rp, _ = make_client(name="Reused")
    first, statements = _lookup(rp.client_id)
    assert len(statements) == 2 and "xmin" in statements[0]  # version, then the row
    again, statements = _lookup(rp.client_id)
    assert len(statements) == 1 and "xmin" in statements[0]
    assert again is not first and again.pk == rp.pk and again.name == "Reused"
    stored = Client.objects.get(pk=rp.pk)
    for field in Client._meta.concrete_fields:
        assert getattr(again, field.attname) == getattr(stored, field.attname), field.name
    assert not again._state.adding and again._state.db == "default"


def test_every_caller_gets_its_own_lists_and_dicts(make_client):
    rp, _ = make_client(name="Own copies")
    Client.objects.filter(pk=rp.pk).update(
        contacts=["ops@example.org"], client_name_localized={"fr": "Copies"}
    )
    first = client_auth.active_client(rp.client_id)
    first.grant_types.append("urn:example:mutated")
    first.contacts.append("thief@example.org")
    first.client_name_localized["fr"] = "Changé"
    first.name = "Changed in memory"
    second, statements = _lookup(rp.client_id)
    assert len(statements) == 1  # reused...
    assert "urn:example:mutated" not in second.grant_types  # ...yet untouched by the first caller
    assert second.contacts == ["ops@example.org"]
    assert second.client_name_localized == {"fr": "Copies"}
    assert second.name == "Own copies"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda rp: Client.objects.filter(pk=rp.pk).update(name="Renamed"), id="queryset-update"),
        pytest.param(lambda rp: (setattr(rp, "name", "Renamed"), rp.save()), id="model-save"),
        pytest.param(
            lambda rp: connection.cursor().execute(
                "UPDATE oidc_client SET name = %s WHERE id = %s", ["Renamed", rp.pk]
            ),
            id="raw-sql",
        ),
    ],
)
def test_a_change_is_seen_by_the_next_lookup(make_client, change):
    rp, _ = make_client(name="Before")
    assert client_auth.active_client(rp.client_id).name == "Before"
    assert client_auth.active_client(rp.client_id).name == "Before"  # now reused
    change(rp)
    assert client_auth.active_client(rp.client_id).name == "Renamed"


def test_a_rotated_secret_deactivation_and_deletion_are_seen_at_once(make_client):
    rp, secret = make_client()
    assert clients.secret_matches(client_auth.active_client(rp.client_id), secret)
    new_secret = clients.rotate_secret(rp)
    found = client_auth.active_client(rp.client_id)
    assert clients.secret_matches(found, new_secret) and not clients.secret_matches(found, secret)
    Client.objects.filter(pk=rp.pk).update(is_active=False)
    assert client_auth.active_client(rp.client_id) is None
    Client.objects.filter(pk=rp.pk).update(is_active=True)
    assert client_auth.active_client(rp.client_id).pk == rp.pk
    Client.objects.filter(pk=rp.pk).delete()
    assert client_auth.active_client(rp.client_id) is None


def test_max_age_bounds_the_reuse(make_client):
    rp, _ = make_client()
    lookup = PreparedLookup(
        lambda client_id: Client.objects.filter(client_id=client_id).order_by()[:1],
        reuse_unchanged=True,
        max_age=0,
    )
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert lookup.first(rp.client_id).pk == rp.pk
        assert len(queries) == 2  # the row is read again every time
