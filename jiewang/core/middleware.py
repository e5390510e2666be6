"""Request-wide safety nets that no single view can provide."""

from __future__ import annotations

from django.db import DataError
from django.http import HttpResponseBadRequest, JsonResponse

NUL_MESSAGE = "文本不能包含空字符（\\u0000）/ Text may not contain NUL characters."


def is_nul_refusal(exc: BaseException) -> bool:
    """psycopg refuses, before sending anything, a text parameter holding U+0000 (PostgreSQL text
    cannot store it); SQLite stores it. Nothing was executed, the transaction is intact."""
    cause = exc.__cause__
    return isinstance(exc, DataError) and getattr(cause, "sqlstate", "") is None and "NUL" in str(cause)


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values if isinstance(v, str))
               for key, values in querydict.lists())


class NulCharacterMiddleware:
    """A NUL character (U+0000) in a request's path, query or form fields is the client's error:
    400 on pages, 422 ``request.nul_character`` under /api/, GeoReport's 400 under /open311/ — on
    both databases alike (SQLite would store it, PostgreSQL cannot). The API's parser checks its
    bodies, queries and forms itself; here, only its path. Form fields are read after
    CsrfViewMiddleware has parsed them (placed after it), so nothing is parsed earlier than before.
    A NUL that still reaches PostgreSQL ends in :meth:`process_exception`, as the same refusal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "\x00" in request.path:
            return self._refusal(request)
        if request.path.startswith("/api/"):
            return None
        try:
            found = _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST))
        except Exception:  # noqa: BLE001 - a body Django cannot parse is the view's (or Django's) to refuse
            return None
        return self._refusal(request) if found else None

    def process_exception(self, request, exception):
        return self._refusal(request) if is_nul_refusal(exception) else None

    @staticmethod
    def _refusal(request):
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "request.nul_character", "message": NUL_MESSAGE, "fields": {}}, status=422,
                                json_dumps_params={"ensure_ascii": False})
        if request.path.startswith("/open311/"):  # GeoReport v2's error shape
            return JsonResponse([{"code": 400, "description": NUL_MESSAGE + " (request.nul_character)"}], status=400,
                                safe=False, json_dumps_params={"ensure_ascii": False})
        return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
