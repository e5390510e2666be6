"""Run part of a test against a database other processes and threads can really share.

The suite's SQLite test database lives in memory with a shared cache
(``file:memorydb_default?mode=memory&cache=shared``). Threads can open it, but SQLite's shared
cache locks whole tables and answers a conflict with ``SQLITE_LOCKED`` at once, ignoring the busy
timeout, and other processes cannot open it at all. The application runs on a file (WAL,
``BEGIN IMMEDIATE``, busy timeout): :func:`file_database` copies the test database to a file and
points the ``default`` alias at it for the ``with`` block (this thread, new threads and any
subprocess given :func:`database_url`), then puts everything back. On PostgreSQL, or when the
test database already is a file, it changes nothing.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from pathlib import Path

from django.db import connections


def _in_memory(alias: str) -> bool:
    conn = connections[alias]
    return conn.vendor == "sqlite" and conn.is_in_memory_db()


@contextlib.contextmanager
def file_database(alias: str = "default"):
    """Yield the database's settings dict, backed by a file for SQLite's in-memory test DB."""
    if not _in_memory(alias):
        yield connections[alias].settings_dict
        return
    original = connections[alias]
    original.ensure_connection()
    tmp = Path(tempfile.mkdtemp(prefix="jw-sqlite-"))
    path = tmp / "test.sqlite3"
    target = sqlite3.connect(path)
    original.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    shared = connections.settings[alias]
    old_name = shared["NAME"]
    swapped = None
    try:
        # New connections (other threads) are built from the shared settings dict; this thread's
        # wrapper is replaced by one on the file, the in-memory one is kept open aside so that
        # the in-memory database survives.
        shared["NAME"] = str(path)
        swapped = connections.create_connection(alias)
        connections[alias] = swapped
        yield swapped.settings_dict
    finally:
        if swapped is not None:
            swapped.close()
        connections[alias] = original
        shared["NAME"] = old_name
        original.settings_dict["NAME"] = old_name
        shutil.rmtree(tmp, ignore_errors=True)


def database_url(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` for a subprocess that must see the same database."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if "postgresql" in engine:
        user = settings_dict.get("USER") or ""
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise NotImplementedError(engine)
