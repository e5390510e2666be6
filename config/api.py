"""The REST API: one NinjaAPI, each app's router mounted under its own prefix, and the one place
where domain errors become HTTP responses."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import django_auth

from jiewang.core.errors import ApplicationError

class UTF8JSONRenderer(JSONRenderer):
    """Chinese text as characters, not \\u escapes (smaller, readable in logs)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UTF8JSONRenderer(),
    title="Jiewang API",
    version="1",
    description="结网 · party-building-led grassroots governance. Session (cookie) authentication; "
    "errors are `{code, message, fields}` with stable codes.",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "Not found.", "fields": {}},
                               status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "message": "请先登录 / Sign in first.", "fields": {}},
        status=401,
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    fields = {}
    for err in exc.errors:
        loc = ".".join(str(x) for x in err.get("loc", ())[1:]) or "body"
        fields[loc] = err.get("msg", "invalid")
    return api.create_response(
        request, {"code": "validation_failed", "message": "输入无效 / Invalid input.", "fields": fields},
        status=422,
    )


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
# The verbs: one route per row of the action registry (filled by the apps' ready()).
action_events_router, action_subjects_router = build_routers()
api.add_router("/events", action_events_router)
api.add_router("/", action_subjects_router)

from jiewang.notifications.api import router as inbox_router  # noqa: E402

api.add_router("/inbox", inbox_router)
api.add_router("/", accounts_router)
