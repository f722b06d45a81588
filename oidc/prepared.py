"""ORM lookups compiled once and re-run with a new value.

On the token, userinfo and introspection paths Django's SQL compiler costs several times the database round
trip (a three-table select_related compiles in ~2 ms here; the query runs in ~0.2 ms). A PreparedLookup asks
the ORM for the SQL and its row-to-model plan once per database connection, then runs the same SQL with the
new value and builds the same model instances (django.db.models.query.ModelIterable's steps). The queryset
is still written with the ORM; tests compare the results with the plain queryset's.

Every statement here runs on one cursor kept per database connection (_execute) rather than a new Django cursor
each time: creating and wrapping a cursor cost ~50 µs per statement here, as much as the round trip itself.
"""

import inspect
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connections, models
from django.db.models import QuerySet
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

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
        self.by_dict = _settable_by_dict(self.model, self.init_list)
        self.version: tuple[str, list, int] | None = None


def _settable_by_dict(model, names: list[str]) -> bool:
    """Model.from_db(values) can be done as one __dict__ update: the model keeps Django's __init__ and from_db,
    and every attribute set is a plain column (DeferredAttribute) or a foreign key id, whose setters on a new
    instance only store the value. Building a 52-column client this way costs a third of Model.__init__."""
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return (
        inspect.getattr_static(model, "__init__") is inspect.getattr_static(models.Model, "__init__")
        and inspect.getattr_static(model, "from_db") is inspect.getattr_static(models.Model, "from_db")
        and all(type(inspect.getattr_static(model, name, None)) in plain for name in names)
    )


def _instance(plan: _Plan, db: str, values):
    """plan.model.from_db(db, plan.init_list, values), with the same signals."""
    model = plan.model
    if not plan.by_dict:
        return model.from_db(db, plan.init_list, values)
    pre_init.send(sender=model, args=values, kwargs={})
    obj = model.__new__(model)
    state = obj._state = ModelState()
    obj.__dict__.update(zip(plan.init_list, values, strict=True))
    post_init.send(sender=model, instance=obj)
    state.adding = False
    state.db = db
    return obj


class PreparedLookup:
    """build(value) -> QuerySet filtering on that one value; first(value) -> the first row's instance.

    reuse_unchanged (PostgreSQL, single-table lookups such as clients): each call still asks the database, but
    only for the row's version, (pk, xmin); while that is the version read last time (and at most max_age
    seconds ago) the instance is built from the values read then instead of fetching and converting the whole
    row again. Any change to a row, by save(), update() or SQL, writes a new tuple with a new xmin; deleting
    it or a false filter (is_active) finds no row. So a change is seen by the next call, exactly as without
    reuse; max_age bounds the time over which the 32-bit xid could wrap round to the same value. Every call
    gets its own instance with its own copies of list and dict values."""

    def __init__(
        self,
        build: Callable[[Any], QuerySet],
        *,
        using: str = "default",
        reuse_unchanged: bool = False,
        max_age: float = 60.0,
    ) -> None:
        self._build = build
        self._using = using
        self._local = threading.local()
        self._reuse = reuse_unchanged
        self._max_age = max_age

    def _plan(self) -> _Plan:
        connection = connections[self._using]
        plan = getattr(self._local, "plan", None)
        if plan is None or plan.connection is not connection:
            queryset = self._build(_PLACEHOLDER)
            plan = _Plan(queryset, connection)
            if self._reuse and connection.vendor == "postgresql" and not plan.populators:
                plan.version = _version_statement(queryset, connection)
            self._local.plan = plan
        return plan

    def _row(self, plan: _Plan, value: Any):
        params = list(plan.params)
        params[plan.index] = value
        row = _execute(plan.connection, plan.sql, params, _fetchone)
        if row is not None and plan.converters:
            row = next(iter(plan.compiler.apply_converters([row], plan.converters)))
        return row

    def first(self, value: Any):
        plan = self._plan()
        if plan.version is not None:
            return self._first_reused(plan, plan.version, value)
        row = self._row(plan, value)
        if row is None:
            return None
        obj = _instance(plan, self._using, row[plan.start : plan.end])
        for populator in plan.populators:
            populator.populate(row, obj)
        return obj

    def _first_reused(self, plan: _Plan, version_statement: tuple[str, list, int], value: Any):
        sql, params, index = version_statement
        params = list(params)
        params[index] = value
        version = _execute(plan.connection, sql, params, _fetchone)
        rows = self._local.__dict__.setdefault("rows", {})
        if version is None:
            rows.pop(value, None)
            return None
        now = time.monotonic()
        seen = rows.get(value)
        if seen is not None and seen[0] == version and now - seen[2] < self._max_age:
            return _instance(plan, self._using, _copied(seen[1]))
        row = self._row(plan, value)
        if row is None:
            return None
        values = row[plan.start : plan.end]
        # Read after the version: the values can only be newer than the version they are kept under, and a
        # newer version makes the next call read them again.
        if all(_immutable(v) for v in values):
            if len(rows) >= 256:
                rows.clear()
            rows[value] = (version, tuple(values), now)
        return _instance(plan, self._using, _copied(values))


def _version_statement(queryset: QuerySet, connection) -> tuple[str, list, int]:
    """The lookup's own filter, selecting only (pk, xmin): the row version PostgreSQL gives every tuple."""
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    versions = queryset.annotate(_row_version=RawSQL(f"{table}.xmin::text", ())).values_list(  # noqa: S611
        "pk", "_row_version"
    )
    sql, params = versions.query.get_compiler(connection=connection).as_sql()
    params = list(params)
    return sql, params, params.index(_PLACEHOLDER)


_SCALARS = (str, int, float, bool, type(None), bytes, datetime, date, time_of_day, timedelta, Decimal, UUID)


def _immutable(value) -> bool:
    """A scalar nobody can change in place, or JSON-like lists and dicts of them (copied for every caller)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is list:
        return all(_immutable(v) for v in value)
    if kind is dict:
        return all(type(k) is str and _immutable(v) for k, v in value.items())
    return False


def _copy(value):
    kind = type(value)
    if kind is list:
        return [_copy(v) for v in value]
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    return value


def _copied(values) -> list:
    return [_copy(v) for v in values]


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
    compiler does (skipped for a value it would return unchanged, see _plain_types); the primary key comes back
    through RETURNING (or lastrowid on SQLite). Model signals are not sent: use it only for models nothing
    listens to (tokens)."""

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
