"""Domain errors with stable codes.

Services raise subclasses of :class:`ApplicationError`; one handler in ``config/api.py`` turns them
into ``{"code", "message", "fields"}`` with the right HTTP status, and the web layer shows the same
message. Codes are part of the API contract: never rename one, add a new one.
"""

from __future__ import annotations


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
