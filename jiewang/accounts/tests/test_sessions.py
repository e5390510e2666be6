"""Sessions and sign-in: Django's cached_db engine over the shared database cache, and Django's
ModelBackend reading the user with one prepared statement (accounts/backends.py). What must end
a signed-in session, cached copy included."""

import json

import pytest
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX, SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.test import Client

from jiewang.accounts.models import User

PASSWORD = "pw-grid_worker-2026"


def _login(client, username="grid_worker", password=PASSWORD):
    return client.post("/api/auth/login", data=json.dumps({"username": username, "password": password}),
                       content_type="application/json")


def _signed_in(people):
    c = Client()
    assert _login(c).status_code == 200
    assert c.get("/api/me").status_code == 200  # the session is now in the cache as well
    return c, c.cookies["sessionid"].value


def _stored(key):
    """Whether the session lives on anywhere: its row, or its cached copy."""
    return Session.objects.filter(session_key=key).exists() or caches["sessions"].get(KEY_PREFIX + key) is not None


def _unauthenticated(response):
    return response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_session_cache_is_shared_by_every_process():
    # A per-process cache (LocMem) would let another gunicorn worker keep serving a session that
    # was signed out or whose password changed: the cache must be one all processes read.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert isinstance(caches[settings.SESSION_CACHE_ALIAS], DatabaseCache)
    assert settings.AUTHENTICATION_BACKENDS[-1] == "jiewang.accounts.backends.ModelBackend"


@pytest.mark.django_db
def test_signing_in_rotates_the_session_key(people):
    c = Client()
    before = c.session
    before["lang"] = "en"  # something the anonymous visitor had
    before.save()
    old = before.session_key
    assert _login(c).status_code == 200
    new = c.cookies["sessionid"].value
    assert new != old and not _stored(old)
    assert SessionStore(new)[SESSION_KEY] == str(people.grid_worker.pk) and SessionStore(new)["lang"] == "en"
    # Whoever knew the old key (session fixation) is not signed in with it.
    fixated = Client()
    fixated.cookies["sessionid"] = old
    assert _unauthenticated(fixated.get("/api/me"))
    assert c.get("/api/me").json()["username"] == "grid_worker"


@pytest.mark.django_db
def test_a_password_change_signs_out_every_session(people):
    phone, desk = _signed_in(people), _signed_in(people)
    u = User.objects.get(pk=people.grid_worker.pk)
    u.set_password("a-new-password-2026")  # what the admin's password form does
    u.save()
    for client, key in (phone, desk):
        assert _unauthenticated(client.get("/api/me"))
        assert not _stored(key)  # flushed, cached copy included
    assert _login(Client()).status_code == 401
    assert _login(Client(), password="a-new-password-2026").status_code == 200


@pytest.mark.django_db
def test_a_tampered_session_hash_signs_out(people):
    c, key = _signed_in(people)
    s = SessionStore(key)
    assert s[HASH_SESSION_KEY] == people.grid_worker.get_session_auth_hash()
    s[HASH_SESSION_KEY] = "0" * len(s[HASH_SESSION_KEY])
    s.save()
    assert _unauthenticated(c.get("/api/me"))
    assert not _stored(key)


@pytest.mark.django_db
def test_an_inactive_user_is_signed_out_and_cannot_sign_in(people):
    c, key = _signed_in(people)
    User.objects.filter(pk=people.grid_worker.pk).update(is_active=False)
    assert _unauthenticated(c.get("/api/me"))
    refused = _login(Client())
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_credentials"
    User.objects.filter(pk=people.grid_worker.pk).update(is_active=True)
    assert _login(Client()).status_code == 200  # the refusal was the flag, not a lockout


@pytest.mark.django_db
def test_signing_out_deletes_the_session(people):
    c, key = _signed_in(people)
    assert Session.objects.filter(session_key=key).exists() and caches["sessions"].get(KEY_PREFIX + key)
    assert c.post("/api/auth/logout").status_code == 200
    assert not _stored(key)
    replay = Client()  # the old cookie, kept by someone
    replay.cookies["sessionid"] = key
    assert _unauthenticated(replay.get("/api/me"))


def test_worker_clears_expired_sessions_only(people):
    """The hourly job deletes expired session rows and keeps live ones; a second run deletes nothing."""
    import datetime as dt

    from django.utils import timezone

    from jiewang.accounts.services import sessions_clear_expired
    from jiewang.core.worker import JOBS

    live, live_key = _signed_in(people)
    old = SessionStore()
    old["x"] = 1
    old.create()
    Session.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert JOBS["accounts.sessions_clear_expired"].target == "jiewang.accounts.services:sessions_clear_expired"
    assert sessions_clear_expired() == 1
    assert not Session.objects.filter(session_key=old.session_key).exists()
    assert Session.objects.filter(session_key=live_key).exists()
    assert live.get("/api/me").status_code == 200
    assert sessions_clear_expired() == 0
