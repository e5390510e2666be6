"""The authentication backend: Django's ``ModelBackend`` with the signed-in user read by one
prepared statement (every request loads its user; the ORM's query building cost several times
the database's work). Same answer as ``ModelBackend.get_user``: the user, or None when missing or
not allowed to authenticate (inactive)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from jiewang.core import fastsql


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a malformed id in a session is "no user", as in Django
            return None
        rows = fastsql.select(model, f"{model._meta.pk.column} = %s", [pk])
        return rows[0] if rows and self.user_can_authenticate(rows[0]) else None
