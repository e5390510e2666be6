"""Idle session timeout without a database write on every request.

Django's ``SESSION_SAVE_EVERY_REQUEST`` renews the cookie by rewriting the session row on every
request, which makes every API call a write (and on SQLite, every call contends for the one
writer lock). This middleware renews the session at most once per ``SESSION_REFRESH_SECONDS``: the
idle timeout stays ``SESSION_COOKIE_AGE`` give or take that interval.
"""

from __future__ import annotations

import time

from django.conf import settings

KEY = "_jw_refreshed"


class SlidingSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            now = int(time.time())
            last = session.get(KEY, 0)
            if now - last >= getattr(settings, "SESSION_REFRESH_SECONDS", 60):
                session[KEY] = now  # marks the session modified: saved, cookie renewed
        return response
