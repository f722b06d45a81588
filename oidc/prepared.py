"""ORM lookups compiled once and re-run with a new value.

On the token, userinfo and introspection paths Django's SQL compiler costs several times the database round
trip (a three-table select_related compiles in ~2 ms here; the query runs in ~0.2 ms). A PreparedLookup asks
the ORM for the SQL and its row-to-model plan once per database connection, then runs the same SQL with the
new value and builds the same model instances (django.db.models.query.ModelIterable's steps). The queryset
is still written with the ORM; tests compare the results with the plain queryset's.

Every statement here runs on one cursor kept per database connection (_execute) rather than a new Django cursor
each time: creating and wrapping a cursor cost ~50 µs per statement here, as much as the round trip itself.
"""

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connections, models
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_PLACEHOLDER = "portico.prepared.placeholder.7c1d"
_KEPT = "_portico_kept_cursor"


def _execute(connection, sql: str, params: list, fetch: Callable[[Any], Any]) -> Any:
    """Runs sql and returns fetch(cursor), on the database cursor kept for this connection.

    What Django's cursor() and CursorWrapper.execute do around a statement is kept: the health check, connecting
    when needed, refusing to run inside a broken atomic block, and database errors raised as django.db
    exceptions (which also marks the connection for close_if_unusable_or_obsolete). While Django records queries
    (DEBUG, CaptureQueriesContext) or execute wrappers are installed, the statement goes through Django's own
    cursor so they see it."""
    if connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return fetch(cursor)
    connection.close_if_health_check_failed()
    if connection.connection is None:
        connection.ensure_connection()
    kept = getattr(connection, _KEPT, None)
    with connection.wrap_database_errors:
        # A new connection (after close() or a reconnect) gets a new cursor; the old pair keeps the old
        # connection object alive, so an identity match cannot be a recycled address.
        if kept is None or kept[0] is not connection.connection:
            kept = (connection.connection, connection.create_cursor())
            setattr(connection, _KEPT, kept)
        connection.validate_no_broken_transaction()
        cursor = kept[1]
        cursor.execute(sql, params)
        return fetch(cursor)


def _fetchone(cursor):
    return cursor.fetchone()


def _rowcount(cursor) -> int:
    return cursor.rowcount


class _Plan:
    def __init__(self, queryset: QuerySet, connection) -> None:
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        self.index = self.params.index(_PLACEHOLDER)
        self.compiler = compiler
        self.converters = compiler.get_converters([column[0] for column in compiler.select])
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in compiler.select[self.start : self.end]]
        # django-stubs describes Django 6 here (a fetch_mode argument); Django 5.2 takes three.
        self.populators = get_related_populators(klass_info, compiler.select, connection.alias)  # type: ignore[call-arg]
        self.connection = connection


class PreparedLookup:
    """build(value) -> QuerySet filtering on that one value; first(value) -> the first row's instance."""

    def __init__(self, build: Callable[[Any], QuerySet], *, using: str = "default") -> None:
        self._build = build
        self._using = using
        self._local = threading.local()

    def _plan(self) -> _Plan:
        connection = connections[self._using]
        plan = getattr(self._local, "plan", None)
        if plan is None or plan.connection is not connection:
            plan = self._local.plan = _Plan(self._build(_PLACEHOLDER), connection)
        return plan

    def first(self, value: Any):
        plan = self._plan()
        params = list(plan.params)
        params[plan.index] = value
        row = _execute(plan.connection, plan.sql, params, _fetchone)
        if row is None:
            return None
        if plan.converters:
            row = next(iter(plan.compiler.apply_converters([row], plan.converters)))
        obj = plan.model.from_db(self._using, plan.init_list, row[plan.start : plan.end])
        for populator in plan.populators:
            populator.populate(row, obj)
        return obj


def _plain_types(field, connection) -> tuple:
    """Python types a column's value is sent as it is: those its get_db_prep_save would return unchanged (text
    and boolean columns, integer foreign keys, and on PostgreSQL aware datetimes). Anything else (JSON, naive
    datetimes, model instances, other field classes) goes through get_db_prep_save."""
    kind = type(field)
    if isinstance(field, models.ForeignKey):
        # Django's own integer primary keys return an int unchanged (int(), then validate_autopk_value).
        integer_pk = type(field.target_field) in (models.AutoField, models.BigAutoField)
        unchanged = kind.get_db_prep_save is models.ForeignKey.get_db_prep_save
        return (int, type(None)) if integer_pk and unchanged else ()
    for base, types in (
        (models.CharField, (str,)),
        (models.TextField, (str,)),
        (models.BooleanField, (bool,)),
        (models.DateTimeField, (datetime, type(None)) if connection.vendor == "postgresql" else ()),
    ):
        if isinstance(field, base):
            return types if _unchanged(kind, base) else ()
    return ()


def _unchanged(kind: type, base: type) -> bool:
    """kind prepares values exactly as Django's base field class does (no override of its own)."""
    return all(
        getattr(kind, name) is getattr(base, name)
        for name in ("get_prep_value", "get_db_prep_value", "get_db_prep_save")
    )


class PreparedInsert:
    """Model.save() for a new row, with the INSERT statement written once per connection.

    Values go through each field's pre_save (auto_now and friends) and get_db_prep_save, as the ORM's insert
    compiler does (skipped for a value it would return unchanged, see _plain_types); the primary key comes back through RETURNING (or lastrowid on SQLite). Model signals are not
    sent: use it only for models nothing listens to (tokens)."""

    def __init__(self, model, *, using: str = "default") -> None:
        self.model = model
        self._using = using
        self._local = threading.local()

    def _plan(self):
        connection = connections[self._using]
        plan = getattr(self._local, "plan", None)
        if plan is None or plan[0] is not connection:
            meta = self.model._meta
            fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
            quote = connection.ops.quote_name
            # Identifiers from the model's own metadata, quoted; every value is a parameter.
            sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                quote(meta.db_table),
                ", ".join(quote(f.column) for f in fields),
                ", ".join(["%s"] * len(fields)),
            )
            returning = connection.features.can_return_columns_from_insert
            if returning:
                sql += " RETURNING " + quote(meta.auto_field.column)
            columns = [(f, _plain_types(f, connection)) for f in fields]
            plan = self._local.plan = (connection, columns, sql, returning)
        return plan

    def save(self, obj) -> None:
        connection, columns, sql, returning = self._plan()
        values = []
        for field, plain in columns:
            value = field.pre_save(obj, True)
            if type(value) not in plain or (type(value) is datetime and value.tzinfo is None):
                value = field.get_db_prep_save(value, connection)
            values.append(value)
        meta = self.model._meta

        def inserted_pk(cursor):
            if returning:
                return cursor.fetchone()[0]
            return connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)

        obj.pk = _execute(connection, sql, values, inserted_pk)
        obj._state.adding = False
        obj._state.db = self._using


class PreparedDelete:
    """DELETE of one row by primary key, the statement written once per connection. No deletion collector and no
    signals: use it only for rows nothing references any more and nothing listens to (a rotated-out access
    token, whose only referrer, its refresh token, has just let go of it). A reference left over would still
    fail the database's foreign-key constraint."""

    def __init__(self, model, *, using: str = "default") -> None:
        self.model = model
        self._using = using
        self._local = threading.local()

    def delete(self, pk) -> int:
        connection = connections[self._using]
        plan = getattr(self._local, "plan", None)
        if plan is None or plan[0] is not connection:
            meta = self.model._meta
            quote = connection.ops.quote_name
            sql = f"DELETE FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
            plan = self._local.plan = (connection, sql)
        return _execute(connection, plan[1], [pk], _rowcount)


class PreparedUpdate:
    """A conditional UPDATE of one row by primary key, the statement written once per connection: sets `fields`
    where every field in `where_null` is still NULL, so the row lock, the check and the change are one statement.
    Returns the number of rows changed (0 or 1). Values go through get_db_prep_save; no pre_save and no
    signals: use it only for models nothing listens to (tokens)."""

    def __init__(
        self, model, *, fields: tuple[str, ...], where_null: tuple[str, ...] = (), using: str = "default"
    ):
        self.model = model
        self._fields = [model._meta.get_field(name) for name in fields]
        self._where_null = [model._meta.get_field(name) for name in where_null]
        self._using = using
        self._local = threading.local()

    def update(self, pk, *values) -> int:
        connection = connections[self._using]
        plan = getattr(self._local, "plan", None)
        if plan is None or plan[0] is not connection:
            meta = self.model._meta
            quote = connection.ops.quote_name
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in self._fields)
            conditions = "".join(f" AND {quote(f.column)} IS NULL" for f in self._where_null)
            sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s{conditions}"  # noqa: S608
            plan = self._local.plan = (connection, sql)
        params = [f.get_db_prep_save(v, connection) for f, v in zip(self._fields, values, strict=True)]
        return _execute(connection, plan[1], [*params, pk], _rowcount)
