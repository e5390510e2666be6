"""The REST API: one NinjaAPI, each app's router mounted under its own prefix, and the one place
where errors become HTTP responses.

Every refusal the API answers is ``{code, message, fields}``: domain errors (ApplicationError),
input that does not validate, a missing session, a failed CSRF check, a body that cannot be parsed
or is too large, and (a safety net behind the typed schemas of ``jiewang.core.schema_types``) a
number too large for its database column. Every status an operation can answer is in the OpenAPI
document, added here for all operations at once (:class:`JiewangOpenAPISchema`); a schemathesis
run in the test suite holds the document and the answers to each other (tests/test_api_fuzz.py).
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError, connection, transaction
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import SessionAuth
from ninja.utils import check_csrf

from jiewang.core.errors import ApplicationError, PayloadTooLarge, PermissionDenied, ValidationFailed, error_statuses
from jiewang.core.middleware import is_nul_refusal


class UTF8JSONRenderer(JSONRenderer):
    """Chinese text as characters, not \\u escapes (smaller, readable in logs)."""

    json_dumps_params = {"ensure_ascii": False}


# ---- input ----------------------------------------------------------------------------------

def _nul_in(value, path: str = "body") -> str | None:
    """The location of the first string holding a NUL character (PostgreSQL text cannot store one)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path
        found = _nul_in(item, f"{path}.{key}")
        if found:
            return found
    return None


def _nul_refused(where: str) -> ValidationFailed:
    return ValidationFailed("文本不能包含空字符（\\u0000）/ Text may not contain NUL characters.",
                            code="request.nul_character", fields={where: "NUL character"})


class StrictParser(Parser):
    """JSON bodies, query strings and form fields, refusing NUL characters in any string."""

    def parse_body(self, request):
        data = json.loads(request.body)
        # A NUL reaches a string only as the escape \u0000 (or in a UTF-16/32 body, which holds zero
        # bytes): without either, the walk over every value (a fifth of a 2,000-point track batch's
        # time) is skipped.
        where = _nul_in(data) if (b"\\u0000" in request.body or b"\x00" in request.body) else None
        if where:
            raise _nul_refused(where)  # ninja wraps it in HttpError(400); _http_error unwraps it
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        where = _nul_in(result, "query")
        if where:
            raise _nul_refused(where)
        return result


# ---- authentication -------------------------------------------------------------------------

class SessionCookieAuth(SessionAuth):
    """Django's session, with the CSRF check for signed-in users only. Without a session there is
    nothing to forge, and the truthful answer is 401 ``unauthenticated``; with one, a request
    without the token is 403 ``csrf_failed`` (django-ninja's own check answered ``{"detail": …}``
    and ran before it knew whether anyone was signed in). Safe methods pass the check."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDenied("CSRF 校验失败，请刷新页面后重试 / CSRF check failed; reload the page and "
                                   "try again.", code="csrf_failed")
        return request.user


session_auth = SessionCookieAuth()


# ---- the OpenAPI document -------------------------------------------------------------------

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "stable code, e.g. `photo.too_large`"},
        "message": {"type": "string", "description": "bilingual message, 中文 / English"},
        "fields": {"type": "object", "description": "per-field problems, `{field: problem}`",
                   "additionalProperties": True},
    },
    "required": ["code", "message", "fields"],
}
ERROR_DESCRIPTIONS = {
    400: "The body cannot be parsed (`request.malformed`)",
    401: "Not signed in (`unauthenticated`), or wrong credentials",
    403: "Outside your role (`permission_denied`), or the CSRF token is missing (`csrf_failed`)",
    404: "The object does not exist or is outside your scope (`not_found`, `….not_found`)",
    409: "A stale `expected_version` or a state that no longer allows the action",
    413: "The upload or the request is too large",
    422: "Input that does not validate (`validation_failed`, domain codes)",
    429: "Too many attempts (`auth.locked_out`)",
}
BODY_SOURCES = {"body", "form", "file"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def operation_error_statuses(operation) -> set[int]:
    """The error statuses an operation can answer, from what it takes and how it is guarded."""
    sources = {m.__ninja_param_source__ for m in operation.models}
    statuses: set[int] = set()
    if operation.auth_callbacks:
        statuses |= {401, 403}  # no session; a role that may not (or, when unsafe, no CSRF token)
        if UNSAFE & set(operation.methods):
            statuses.add(409)
    if sources:
        statuses |= {404, 422}  # every input names something that may be missing, or may not validate
    if sources & BODY_SOURCES or (operation.openapi_extra or {}).get("requestBody"):
        statuses |= {400, 404, 413, 422}  # a body parsed by ninja, or by the view (the event actions)
    statuses |= error_statuses(operation.view_func)  # what a view declares beyond these (the lockout)
    return statuses


class JiewangOpenAPISchema(OpenAPISchema):
    """ninja's document, with every operation's error answers and the one error schema."""

    def responses(self, operation):
        result = super().responses(operation)
        for status in sorted(operation_error_statuses(operation)):
            if status in result:
                continue  # a route's own declaration (e.g. the import report's 422) wins
            result[status] = {
                "description": ERROR_DESCRIPTIONS.get(status, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        return result

    def get_components(self):
        components = super().get_components()
        components["schemas"]["Error"] = ERROR_SCHEMA
        return components


class JiewangAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return JiewangOpenAPISchema(self, path_prefix)


api = JiewangAPI(
    renderer=UTF8JSONRenderer(),
    parser=StrictParser(),
    title="Jiewang API",
    version="1",
    description="结网 · party-building-led grassroots governance. Session (cookie) authentication; "
    "unsafe methods need the CSRF token (the `csrftoken` cookie, sent back as `X-CSRFToken`); "
    "errors are `{code, message, fields}` with stable codes.",
    auth=session_auth,
    urls_namespace="api",
)


# ---- errors ---------------------------------------------------------------------------------

def _error(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", "请先登录 / Sign in first.")


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    fields = {}
    for err in exc.errors:
        loc = ".".join(str(x) for x in err.get("loc", ())[1:]) or "body"
        fields[loc] = err.get("msg", "invalid")
    return _error(request, 422, "validation_failed", "输入无效 / Invalid input.", fields)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """ninja's own refusals. The body parser's are wrapped in a 400: show what is inside."""
    cause = exc.__cause__
    if isinstance(cause, ApplicationError):
        return _application_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return _too_big(request, cause)
    if exc.status_code == 400:
        return _error(request, 400, "request.malformed", "请求体无法解析 / The request body cannot be parsed.")
    return _error(request, exc.status_code, f"http_{exc.status_code}", str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    e = PayloadTooLarge("请求过大 / The request is too large.", code="request.too_large")
    return _application_error(request, e)


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request, exc):
    return _error(request, 400, "request.malformed", "请求体无法解析 / The request body cannot be parsed.")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc):
    return _error(request, 400, "request.malformed", "请求无效 / The request is not acceptable.")


def _release_failed_transaction() -> None:
    """After a statement failed on PostgreSQL inside a transaction that is still open (an outer
    ``atomic`` — a test's; requests run in autocommit), mark it for rollback: it accepts no more
    statements. A failure the driver raised before sending leaves nothing to undo."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block or connection.connection is None:
        return
    from psycopg.pq import TransactionStatus

    if connection.connection.info.transaction_status == TransactionStatus.INERROR:
        transaction.set_rollback(True)


def _out_of_range(request):
    _release_failed_transaction()
    return _error(request, 422, "number_out_of_range",
                  "数值超出范围 / A number is out of range.", {"body": "out of range"})


@api.exception_handler(OverflowError)
def _overflow(request, exc):
    """Safety net: SQLite cannot bind an integer beyond 64 bits. Input schemas should bound
    their integers (``jiewang.core.schema_types``) so that this is never reached."""
    return _out_of_range(request)


@api.exception_handler(DataError)
def _data_error(request, exc):
    """Safety net: PostgreSQL refused a number out of its column's range (SQLSTATE 22003), or
    psycopg refused text holding a NUL character. Any other data error is a bug, and stays a 500."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "22003":
        return _out_of_range(request)
    if is_nul_refusal(exc):  # a path parameter (the parser checks bodies, queries and forms)
        return _application_error(request, _nul_refused("path"))
    raise exc


from jiewang.accounts.api import router as accounts_router  # noqa: E402
from jiewang.areas.api import router as areas_router  # noqa: E402
from jiewang.dispatching.api import event_router as dispatch_event_router  # noqa: E402
from jiewang.dispatching.api import router as dispatching_router  # noqa: E402
from jiewang.events.api import catalog_router, hotline_router, router as events_router  # noqa: E402
from jiewang.events.api_actions import build_routers  # noqa: E402

api.add_router("/areas", areas_router)
api.add_router("/events", events_router)
api.add_router("/events", dispatch_event_router)
api.add_router("/catalog", catalog_router)
api.add_router("/hotline", hotline_router)
api.add_router("/", dispatching_router)

from jiewang.duty.api import router as duty_router  # noqa: E402

api.add_router("/duty", duty_router)

from jiewang.stats.api import router as situation_router  # noqa: E402

api.add_router("/", situation_router)
from jiewang.assessment.api import router as assessment_router  # noqa: E402

api.add_router("/assessment", assessment_router)

from jiewang.warning.api import device_router, router as warning_router  # noqa: E402

api.add_router("/warnings", warning_router)
api.add_router("/devices", device_router)

from jiewang.party.api import router as party_router  # noqa: E402

api.add_router("/party", party_router)

from jiewang.staffing.api import router as staffing_router  # noqa: E402

api.add_router("/staffing", staffing_router)

from jiewang.basedata.api import router as basedata_router  # noqa: E402

api.add_router("/basedata", basedata_router)

from jiewang.admission.api import router as admission_router, task_router  # noqa: E402

api.add_router("/admission", admission_router)
api.add_router("/", task_router)

from jiewang.patrols.api import router as patrols_router  # noqa: E402

api.add_router("/patrols", patrols_router)


from jiewang.supervision.api import router as supervision_router  # noqa: E402

api.add_router("/supervision", supervision_router)

from jiewang.reports.api import router as bulletins_router  # noqa: E402

api.add_router("/bulletins", bulletins_router)
# The verbs: one route per row of the action registry (filled by the apps' ready()).
action_events_router, action_subjects_router = build_routers()
api.add_router("/events", action_events_router)
api.add_router("/", action_subjects_router)

from jiewang.notifications.api import router as inbox_router  # noqa: E402

api.add_router("/inbox", inbox_router)
api.add_router("/", accounts_router)
