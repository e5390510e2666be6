"""The session engine: Django's database sessions, with the session row read by one prepared
statement on each request (same rule: the row of this key that has not expired)."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore

from jiewang.core import fastsql


class SessionStore(DbSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        rows = fastsql.select(self.model, "session_key = %s AND expire_date > %s", [key, fastsql.now()])
        if not rows:
            self._session_key = None
            return None
        return rows[0]
