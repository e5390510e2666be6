"""Statements for hot paths (intake, notification fan-out): written once per model and shape and
executed straight on the driver, instead of being rebuilt by the ORM on every call.

Why it exists: on a report, the ORM's per-call work (building the query, compiling it to SQL,
checking every field) and Django's per-execute conversions cost several times what the database
spends on the row. What stays the same as ``save()``: each field's ``pre_save`` and
``get_db_prep_save`` prepare the values (defaults, encrypted fields, JSON and time zones are
written exactly alike), database errors surface as Django's (``IntegrityError``…), and a broken
transaction is refused. What does not: no ``pre_save``/``post_save`` signal is sent, so use it
only for models without receivers (``tests/test_fastsql.py`` guards the ones used). When queries
are being logged (DEBUG, ``CaptureQueriesContext`` in tests) or an execute wrapper is installed,
statements go through Django's cursor so they are seen and counted as usual.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from django.db import connections, models, router

# Parameters per statement (SQLite's historical limit is 999).
_MAX_PARAMS = 900
# (model, alias, rows, returning) -> (sql, fields)
_STATEMENTS: dict = {}
# (alias, sql) -> the statement in the driver's own parameter style
_NATIVE: dict = {}


def _native(conn, sql: str) -> str:
    key = (conn.alias, sql)
    hit = _NATIVE.get(key)
    if hit is None:
        hit = _NATIVE[key] = sql.replace("%s", "?") if conn.vendor == "sqlite" else sql
    return hit


def execute(sql: str, params: Sequence, *, using: str = "default", fetch: str | None = None):
    """Run one statement written with ``%s`` placeholders (no literal ``%``). ``fetch``: None,
    ``"one"`` or ``"all"``."""
    return _execute(connections[using], sql, params, fetch)


def column(model: type[models.Model], name: str, *, using: str = "default") -> str:
    """``"table"."column"`` of a field, quoted for the database: for statements written by hand."""
    qn = connections[using].ops.quote_name
    return f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(name).column)}"


def now(*, using: str = "default"):
    """The current time as a statement parameter for a datetime column."""
    from django.utils import timezone

    return connections[using].ops.adapt_datetimefield_value(timezone.now())


def _execute(conn, sql: str, params: Sequence, fetch: str | None):
    if conn.queries_logged or conn.execute_wrappers:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return None if fetch is None else cur.fetchone() if fetch == "one" else cur.fetchall()
    conn.ensure_connection()
    conn.validate_no_broken_transaction()
    with conn.wrap_database_errors:
        raw = conn.connection.cursor()
        try:
            if conn.vendor == "sqlite":
                sqlite3.Cursor.execute(raw, _native(conn, sql), params)
            else:
                raw.execute(sql, params)
            return None if fetch is None else raw.fetchone() if fetch == "one" else raw.fetchall()
        finally:
            raw.close()


# Field classes whose prepared value is the Python value itself when it already has exactly this
# type (their pre_save is Field's, their get_db_prep_save returns such a value unchanged).
_PASS_THROUGH = {
    models.CharField: (str,), models.TextField: (str,), models.BooleanField: (bool,),
    models.FloatField: (float,), models.IntegerField: (int,), models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,), models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,), models.ForeignKey: (int,),
}


def _plan(fields) -> list[tuple]:
    """Per field: (attname, field, the exact types passed through as they are, or ())."""
    plan = []
    for f in fields:
        fast = _PASS_THROUGH.get(type(f), ())
        # NULL is NULL for any nullable field but JSON's (None is JSON null there) and the ones
        # that fill themselves in on save (auto_now…).
        if f.null and not isinstance(f, models.JSONField) and not getattr(f, "auto_now", False) \
                and not getattr(f, "auto_now_add", False):
            fast = (*fast, type(None))
        plan.append((f.attname, f, fast))
    return plan


# (model, alias, where, field names) -> (sql, fields, converters per field)
_SELECTS: dict = {}


def select(model: type[models.Model], where: str, params: Sequence, *, fields: Sequence[str] | None = None,
           using: str = "default") -> list[models.Model]:
    """Instances of ``model`` whose row matches ``where`` (SQL over column names, ``%s``
    placeholders), built as the ORM builds them: the backend's and each field's converters
    (time zones, decryption, JSON) are applied, then ``Model.from_db``. ``fields``: only these
    (attnames; the rest is deferred)."""
    key = (model, using, where, tuple(fields) if fields else None)
    hit = _SELECTS.get(key)
    conn = connections[using]
    if hit is None:
        qn = conn.ops.quote_name
        chosen = [f for f in model._meta.concrete_fields if not fields or f.attname in fields]
        table = model._meta.db_table
        converters = []  # (position, column expression, its converters) for the columns that have any
        for i, f in enumerate(chosen):
            col = f.get_col(table)
            cs = tuple(conn.ops.get_db_converters(col) + col.get_db_converters(conn))
            if cs:
                converters.append((i, col, cs))
        sql = f"SELECT {', '.join(qn(f.column) for f in chosen)} FROM {qn(table)} WHERE {where}"
        hit = _SELECTS[key] = (sql, [f.attname for f in chosen], converters)
    sql, names, converters = hit
    out = []
    for row in _execute(conn, sql, params, "all"):
        values = list(row)
        for i, col, cs in converters:
            for c in cs:
                values[i] = c(values[i], col, conn)
        out.append(model.from_db(using, names, values))
    return out


def _statement(model: type[models.Model], alias: str, rows: int, returning: bool):
    key = (model, alias, rows, returning)
    hit = _STATEMENTS.get(key)
    if hit is None:
        qn = connections[alias].ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.generated and f is not model._meta.auto_field]
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
               f"VALUES {', '.join([one] * rows)}")
        if returning:
            sql += f" RETURNING {qn(model._meta.pk.column)}"
        hit = _STATEMENTS[key] = (sql, _plan(fields))
    return hit


def _values(obj, plan, conn) -> list:
    values = []
    own = obj.__dict__
    for attname, f, fast in plan:
        v = own.get(attname)
        values.append(v if type(v) in fast else f.get_db_prep_save(f.pre_save(obj, True), connection=conn))
    return values


def insert(obj: models.Model, *, using: str | None = None) -> models.Model:
    """Write one new instance; its primary key is set on it, as by ``save()``."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    conn = connections[alias]
    sql, fields = _statement(model, alias, 1, True)
    obj.pk = _execute(conn, sql, _values(obj, fields, conn), "one")[0]
    obj._state.adding = False
    obj._state.db = alias
    return obj


def insert_many(objs: Sequence[models.Model], *, using: str | None = None) -> int:
    """Write new instances of one model, many rows per statement (primary keys not read back)."""
    if not objs:
        return 0
    model = type(objs[0])
    alias = using or router.db_for_write(model)
    conn = connections[alias]
    per = max(1, _MAX_PARAMS // len(_statement(model, alias, 1, False)[1]))
    for start in range(0, len(objs), per):
        chunk = objs[start:start + per]
        sql, fields = _statement(model, alias, len(chunk), False)
        _execute(conn, sql, [v for o in chunk for v in _values(o, fields, conn)], None)
    for o in objs:
        o._state.adding = False
        o._state.db = alias
    return len(objs)
