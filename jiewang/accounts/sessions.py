"""The session engine: Django's database sessions, with the session row read by one prepared
statement on each request (same rule: the row of this key that has not expired)."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.utils import timezone

from jiewang.core import fastsql


class SessionStore(DbSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        rows = fastsql.select(self.model, "session_key = %s AND expire_date > %s",
                              [key, self._now_param()])
        if not rows:
            self._session_key = None
            return None
        return rows[0]

    def _now_param(self):
        from django.db import connections, router

        conn = connections[router.db_for_read(self.model)]
        return conn.ops.adapt_datetimefield_value(timezone.now())
