"""The event page shared by all roles (``/events/<number>/``, ``web:event``).

One page shows everything about an event the user may see (facts, map, clocks, assignments,
whistles, photos, timeline) and the actions this user may do *now*: the forms of the action
registry offered on the ``event_page`` surface (:func:`jiewang.web.actions.forms_for`), each
posting to the one form view :func:`jiewang.web.actions.action_post` with the version the page
was rendered from: a stale page gets the "changed since you read it" message and changes nothing.
"""

from __future__ import annotations


from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from jiewang.accounts.choices import Role
from jiewang.accounts.permissions import STAFF_ROLES
from jiewang.core.crypto import mask_phone
from jiewang.core.errors import NotFound
from jiewang.dispatching import selectors as dispatch_selectors
from jiewang.dispatching.models import Whistle
from jiewang.events import registry
from jiewang.events import selectors as event_selectors
from jiewang.events.choices import EventStatus, LocationStatus
from jiewang.events.lifecycle import BY_ACTION
from jiewang.events.models import DeadlineKind, DeadlineState, Event
from jiewang.events.roles import actor_roles_on_event

from ..actions import forms_for
from ..command.helpers import role_required

# Every staff role finds events in its scope (the search page and its export).
search_required = role_required(STAFF_ROLES)

# Labels of the actions (buttons) and of the timeline's lines, English msgids.
ACTION_LABELS = {
    "report": gettext_lazy("Reported"),
    "self_handle": gettext_lazy("Handle in the grid"),
    "escalate": gettext_lazy("Escalate to the next level"),
    "accept": gettext_lazy("Accept"),
    "void": gettext_lazy("Void"),
    "handle_locally": gettext_lazy("Handle at this level"),
    "dispatch": gettext_lazy("Dispatch"),
    "redispatch": gettext_lazy("Redispatch"),
    "sign": gettext_lazy("Sign for"),
    "return": gettext_lazy("Return"),
    "feedback": gettext_lazy("Report as done"),
    "close_on_spot": gettext_lazy("Close on the spot"),
    "verify": gettext_lazy("Verify"),
    "verify_pass": gettext_lazy("Verification passed"),
    "verify_fail": gettext_lazy("Verification failed"),
    "shelve": gettext_lazy("Shelve"),
    "resume": gettext_lazy("Resume"),
    "visit": gettext_lazy("Return visit"),
    "rate": gettext_lazy("Rate"),
    "redo": gettext_lazy("Redo"),
    "dispute": gettext_lazy("Dispute responsibility"),
    "arbitrate": gettext_lazy("Arbitrate"),
    "extension": gettext_lazy("Request an extension"),
    "extension_request": gettext_lazy("Extension requested"),
    "decide_extension": gettext_lazy("Decide the extension"),
    "extension_approved": gettext_lazy("Extension approved"),
    "extension_rejected": gettext_lazy("Extension rejected"),
    "whistle": gettext_lazy("Blow the whistle"),
    "report_in": gettext_lazy("Report in"),
    "rate_summons": gettext_lazy("Summons rated"),
    "request_whistle": gettext_lazy("Whistle requested from the command center"),
    "approve_whistle_request": gettext_lazy("Whistle request approved"),
    "decline_whistle_request": gettext_lazy("Whistle request declined"),
    "withdraw_whistle_request": gettext_lazy("Whistle request withdrawn"),
    "whistle_escalated": gettext_lazy("Missed report-in escalated"),
    "photo": gettext_lazy("Add a photo"),
    "merge": gettext_lazy("Duplicate merged"),
    "assist_sign": gettext_lazy("Signed for (assisting)"),
    "assist_return": gettext_lazy("Returned (assisting)"),
    "assist_feedback": gettext_lazy("Part reported done (assisting)"),
    "deadline_warning": gettext_lazy("Deadline near"),  # the sweep's steps (events.services.sweep)
    "overdue": gettext_lazy("Overdue"),
    "escalate_overdue": gettext_lazy("Overdue: escalated to the level above"),
    "rating_window_closed": gettext_lazy("Rating window closed"),
    "remind": gettext_lazy("Reminder"),
    "supervise": gettext_lazy("Supervision"),
    "place": gettext_lazy("Placed on the map"),
    "alarm": gettext_lazy("Alarm raised"),  # jiewang.duty
    "alarm_escalate": gettext_lazy("Alarm escalated"),
    "party_wish_done": gettext_lazy("Done by a party member"),  # jiewang.party (交党员认领)
}
ROLE_LABELS = {**{r.value: r.label for r in Role}, "superuser": gettext_lazy("Superuser"),
               "department_assist": gettext_lazy("Assisting handler's staff"),
               "system": gettext_lazy("System"), "reporter": gettext_lazy("Reporter")}


def _actor_text(activity) -> str:
    """Who did it: the user; without one, the reporter proven by the tracking link, or the system."""
    if activity.actor_id:
        return str(activity.actor)
    return str(ROLE_LABELS["reporter"] if activity.actor_role == "reporter" else ROLE_LABELS["system"])


def action_label(action: str) -> str:
    """A timeline line's label: an activity's own, else its registry action's, else its move's."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    if action in registry.REGISTRY:
        return str(registry.REGISTRY[action].title)
    t = BY_ACTION.get(action)
    return t.label if t else action


# ---- the page -------------------------------------------------------------------------------

def _not_found(request):
    return render(request, "web/not_found.html", status=404)


def _clock(d, now) -> dict:
    open_ = d.state in (DeadlineState.RUNNING, DeadlineState.WARNED, DeadlineState.OVERDUE)
    return {"kind": DeadlineKind(d.kind).label if d.kind in DeadlineKind.values else d.kind,
            "state": d.state, "state_label": DeadlineState(d.state).label, "due_at": d.due_at,
            "open": open_, "late": open_ and d.due_at <= now, "stage": d.stage, "closed_at": d.closed_at,
            # Counted across a year whose official holiday arrangement is not known yet: the due
            # moment may move once it is loaded (core.worktime, "provisional years").
            "provisional": event_selectors.clock_is_provisional(d)}


def _outline(area) -> dict:
    import shapely
    from shapely.geometry import mapping, shape

    g = shape(area.geometry)
    g = shapely.simplify(g, max(g.bounds[2] - g.bounds[0], g.bounds[3] - g.bounds[1]) / 400, preserve_topology=True)
    return {"type": "Feature", "properties": {"name": area.name}, "geometry": mapping(g)}


# The inputs of the "place" form (jiewang.web.actions.build_form ids) a click on the map fills.
PLACE_INPUTS = {"lon": "act-place-lon", "lat": "act-place-lat", "crs": "act-place-crs"}


def _map_data(event: Event, *, pick: bool = False) -> dict | None:
    """The map's data: the point and its grid; for an event still to be placed, its town's
    outline, and (``pick``: the user may place it) the inputs a click fills."""
    grid = None
    if event.grid_id and event.grid.geometry:
        grid = _outline(event.grid)
    elif event.location_status == LocationStatus.UNPLACED and event.town.geometry:
        grid = _outline(event.town)
    if event.lon is None and grid is None:
        return None
    from django.conf import settings

    return {"point": [event.lat, event.lon] if event.lon is not None else None, "grid": grid,
            "tiles": settings.MAP_TILE_URL, "label": event.title, "pick": PLACE_INPUTS if pick else None}


@login_required
def event_page(request, number: str):
    try:
        event = event_selectors.event_get(user=request.user, number=number)
        deadlines = event_selectors.event_deadlines(user=request.user, event=event)
    except NotFound:
        return _not_found(request)
    user = request.user
    held = actor_roles_on_event(user, event)
    assignments = dispatch_selectors.assignment_list(user=user, event=event)
    whistles = list(Whistle.objects.filter(event=event).prefetch_related("summonses__department")
                    .order_by("blown_at"))
    whistle_requests = dispatch_selectors.whistle_requests_of_event(user=user, event=event)
    timeline = event_selectors.event_timeline(user=user, number=number)
    now = timezone.now()
    clocks = [_clock(d, now) for d in deadlines]
    actions = forms_for(user, event, "event_page")
    return render(request, "web/events/event.html", {
        "event": event,
        "status_label": EventStatus(event.status).label,
        "status_colour": EventStatus.colour(event.status),
        "reporter_phone": mask_phone(event.reporter_phone),
        "clocks": clocks,
        "running_clocks": [c for c in clocks if c["open"] or c["state"] == "paused"],
        "past_clocks": [c for c in clocks if not (c["open"] or c["state"] == "paused")],
        "assignments": assignments,
        "whistles": whistles,
        "whistle_requests": whistle_requests,
        "photos": list(event_selectors.event_photo_list(user=user, event=event)),
        "timeline": [{"a": a, "label": action_label(a.action), "who": _actor_text(a),
                      "role": ROLE_LABELS.get(a.actor_role, a.actor_role) if a.actor_id else "",
                      "from": EventStatus(a.from_status).label if a.from_status in EventStatus.values else "",
                      "to": EventStatus(a.to_status).label if a.to_status in EventStatus.values else ""}
                     for a in timeline],
        "actions": actions,
        "my_roles": sorted(str(ROLE_LABELS.get(r, r)) for r in held),
        "map_data": _map_data(event, pick=any(a["name"] == "place" for a in actions)),
        "now": now,
    })


@login_required
def event_photo(request, number: str, photo_id: int):
    """A photo of the event, scope-checked (photos are not public media)."""
    try:
        photo = event_selectors.event_photo_get(user=request.user, number=number, photo_id=photo_id)
    except NotFound as exc:
        raise Http404 from exc
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


# ---- finding any event (/events/) ----------------------------------------------------------

SEARCH_SORTS = [("newest", gettext_lazy("Newest first")), ("oldest", gettext_lazy("Oldest first")),
                ("due", gettext_lazy("Nearest deadline")), ("number", gettext_lazy("Number"))]


def _search_context(request) -> dict:
    """The criteria of the page's GET form, their validation errors, and the form's choices."""
    from jiewang.accounts.choices import BoardKind
    from jiewang.areas import selectors as area_selectors
    from jiewang.core.errors import ApplicationError
    from jiewang.events.choices import EventChannel, EventSource, HandlingLevel, Urgency
    from jiewang.events.search import criteria_from_query

    errors: dict = {}
    error = None
    try:
        criteria = criteria_from_query(request.GET)
    except ApplicationError as exc:
        criteria, error, errors = None, exc.message, exc.fields
    area = None
    if criteria is not None and criteria.area_id:
        try:
            area = area_selectors.area_get(user=request.user, area_id=criteria.area_id)
        except NotFound:
            area = None  # the search itself answers the 404
    categories = list(event_selectors.category_list(user=request.user))
    return {
        "criteria": criteria, "error": error, "errors": errors, "area": area,
        "form": {k: request.GET.get(k, "") for k in ("number", "q", "category", "board", "area_id", "channel",
                                                      "source", "urgency", "level", "reported_from",
                                                      "reported_to", "sort", "page_size")},
        "form_statuses": request.GET.getlist("status"), "form_overdue": request.GET.get("overdue") in ("true", "on", "1"),
        "statuses": EventStatus.choices, "boards": BoardKind.choices, "channels": EventChannel.choices,
        "sources": EventSource.choices, "urgencies": Urgency.choices, "levels": HandlingLevel.choices,
        "sorts": SEARCH_SORTS,
        "category_groups": [(c, _children(categories).get(c.id, [])) for c in categories if c.parent_id is None],
        "areas": _search_areas(request.user),
    }


def _children(categories) -> dict:
    out: dict = {}
    for c in categories:
        if c.parent_id is not None:
            out.setdefault(c.parent_id, []).append(c)
    return out


SEARCH_AREA_LIMIT = 300


def _search_areas(user) -> list:
    """Areas to pick from: the user's grant nodes and everything below them down to the grids
    (at most :data:`SEARCH_AREA_LIMIT`, broadest first); deeper or more areas by id in the URL."""
    from django.db.models import Q

    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area
    from jiewang.core.scope import Action, restrict, user_grants

    qs = restrict(Area.objects.current(), user, Action.VIEW).filter(level__lte=AreaLevel.GRID)
    if not user.is_superuser:
        paths = [g.path for g in user_grants(user) if g.path]
        if not paths:
            return []
        q = Q()
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return list(qs.order_by("level", "path").only("id", "name", "level", "path")[:SEARCH_AREA_LIMIT])


def _search_rows(events) -> list:
    now = timezone.now()
    for ev in events:
        ev.overdue_now = bool(ev.is_overdue or (ev.due_at and ev.due_at < now
                                                 and ev.status not in ("closed", "rated", "voided")))
        ev.status_colour = EventStatus.colour(ev.status)
    return events


@search_required
def event_search(request):
    """查找事件: a filter form, the result count, one page of events (each a link to its page) and
    an export of the same filters to Excel."""
    from jiewang.core.errors import ApplicationError
    from jiewang.events.search import event_search_page

    ctx = _search_context(request)
    result = None
    if ctx["criteria"] is not None:
        try:
            result = event_search_page(user=request.user, criteria=ctx["criteria"])
        except NotFound:
            return _not_found(request)
        except ApplicationError as exc:
            ctx["error"], ctx["errors"] = exc.message, exc.fields
    if result is not None:
        result["items"] = _search_rows(result["items"])
        params = request.GET.copy()
        params.pop("page", None)
        ctx["query"] = params.urlencode()
        page = result["page"]
        ctx["prev_page"] = page - 1 if page > 1 else None
        ctx["next_page"] = page + 1 if page < result["pages"] else None
    ctx["result"] = result
    ctx["export_query"] = request.GET.urlencode()
    ctx["export_cap"] = _export_cap()
    status = 422 if ctx["error"] else 200
    return render(request, "web/events/search.html", ctx, status=status)


def _export_cap() -> int:
    from jiewang.events.services.export import EXPORT_ROW_CAP

    return EXPORT_ROW_CAP


@search_required
def event_export(request):
    """The current filters' events as an .xlsx download (audited); a refusal (too many rows, a bad
    filter) goes back to the search page with its message."""
    from django.contrib import messages
    from django.http import HttpResponse
    from django.shortcuts import redirect
    from django.urls import reverse

    from jiewang.core.errors import ApplicationError
    from jiewang.events.search import criteria_from_query
    from jiewang.events.services.export import event_export as export_service

    back = reverse("web:events") + ("?" + request.GET.urlencode() if request.GET else "")
    try:
        content, _count = export_service(actor=request.user, criteria=criteria_from_query(request.GET))
    except NotFound:
        return _not_found(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    name = timezone.localtime().strftime("events-%Y%m%d-%H%M.xlsx")
    resp = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
