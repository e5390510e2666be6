"""Field-level encryption for personal data (phones, ID numbers).

Values are encrypted with Fernet (AES-128-CBC + HMAC) under a key derived from
``FIELD_ENCRYPTION_KEY`` (or ``SECRET_KEY``). A keyed hash (HMAC-SHA256) of the normalized value is
stored beside it where lookups by value are needed, so the clear text never sits in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(("jiewang-field-key:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _secret() -> str:
    return settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY


def encrypt(value: str) -> str:
    return _fernet(_secret()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_secret()).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # key rotated without re-encryption: fail loudly
        raise ValueError("cannot decrypt field: wrong FIELD_ENCRYPTION_KEY?") from exc


def blind_index(value: str) -> str:
    """A keyed hash that allows exact-match lookup without storing the clear value."""
    return hmac.new(_secret().encode(), value.strip().encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    """138****1234 style mask for roles that may not see the whole number."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class EncryptedTextField(models.TextField):
    """A text column holding Fernet ciphertext; Python sees the clear text."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


class BlindIndexField(models.CharField):
    """The keyed hash (:func:`blind_index`) of another field of the same row, kept in step on
    every save and insert (``pre_save``, which ``core.fastsql.insert`` calls too): an encrypted
    value found by exact match without being stored in clear. Empty when the source is empty."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        clear = getattr(model_instance, self.source, "") or ""
        value = blind_index(clear) if clear.strip() else ""
        setattr(model_instance, self.attname, value)
        return value
