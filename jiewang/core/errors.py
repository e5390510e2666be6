"""Domain errors with stable codes.

Services raise subclasses of :class:`ApplicationError`; one handler in ``config/api.py`` turns them
into ``{"code", "message", "fields"}`` with the right HTTP status, and the web layer shows the same
message. Codes are part of the API contract: never rename one, add a new one.

Codes any API operation may answer (``config/api.py``), beside each app's own:
``validation_failed`` (422, a field does not validate), ``not_found`` (404), ``unauthenticated``
(401), ``permission_denied`` (403), ``csrf_failed`` (403, signed in but no CSRF token),
``request.malformed`` (400, a body that cannot be parsed), ``request.too_large`` (413),
``request.nul_character`` (422, text holding U+0000, which PostgreSQL cannot store),
``number_out_of_range`` (422, a number beyond its database column: the safety net behind the
bounded types of ``core/schema_types.py``), ``auth.locked_out`` (429, django-axes).
"""

from __future__ import annotations

import re

# "中文 / English": the zh-Hans half ends in a CJK character or punctuation, the English half follows.
_BILINGUAL = re.compile(r"^(?P<zh>.*?[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) ?/ (?P<en>.+)$", re.S)


def in_language(message: str, language: str | None = None) -> str:
    """The half of a bilingual message ("中文 / English") in ``language`` (default: the active one);
    a message in one language is returned as it is. Pages show this; the API keeps both halves."""
    match = _BILINGUAL.match(message or "")
    if not match:
        return message
    if language is None:
        from django.utils.translation import get_language

        language = get_language() or "zh-hans"
    return match["zh"] if language.lower().startswith("zh") else match["en"]


class ApplicationError(Exception):
    """A refusal the user can understand and act on."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}

    @property
    def text(self) -> str:
        """The message in the active language only (what a page shows): see :func:`in_language`."""
        return in_language(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_failed"


class NotFound(ApplicationError):
    """The object does not exist *or is outside the user's scope*: the two are indistinguishable."""

    status = 404
    code = "not_found"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


class Conflict(ApplicationError):
    """A stale edit or a state that no longer allows the action; nothing was changed."""

    status = 409
    code = "conflict"


class PayloadTooLarge(ApplicationError):
    status = 413
    code = "payload_too_large"


def declares_errors(*statuses: int):
    """Mark an API view as answering error statuses beyond those every operation of its kind
    answers (401/403/404/409/413/422, added by ``config/api.py``), so that the OpenAPI document
    lists them: e.g. ``@declares_errors(429)`` where django-axes locks out repeated failed logins."""

    def mark(view):
        view.error_statuses = frozenset(statuses) | getattr(view, "error_statuses", frozenset())
        return view

    return mark


def error_statuses(view) -> frozenset[int]:
    return getattr(view, "error_statuses", frozenset())
