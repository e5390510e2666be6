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
from typing import Sequence

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
    conn = connections[using]
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
        hit = _STATEMENTS[key] = (sql, fields)
    return hit


def _values(obj, fields, conn) -> list:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection=conn) for f in fields]


def insert(obj: models.Model, *, using: str | None = None) -> models.Model:
    """Write one new instance; its primary key is set on it, as by ``save()``."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    conn = connections[alias]
    sql, fields = _statement(model, alias, 1, True)
    obj.pk = execute(sql, _values(obj, fields, conn), using=alias, fetch="one")[0]
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
        execute(sql, [v for o in chunk for v in _values(o, fields, conn)], using=alias)
    for o in objs:
        o._state.adding = False
        o._state.db = alias
    return len(objs)
