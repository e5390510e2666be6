"""指挥中心 — the town command center: the map of the user's area and the work queues, each row
with its one- or two-click action (htmx swaps the row; a plain POST redirects back).

Reads go through selectors (scoped to the user), writes through the same services as the API;
a refused action shows the service's message and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from jiewang.accounts import selectors as account_selectors
from jiewang.accounts.choices import BoardKind, Role
from jiewang.areas import selectors as area_selectors
from jiewang.areas.choices import AreaLevel
from jiewang.core.errors import ApplicationError, NotFound, ValidationFailed
from jiewang.core.scope import user_grants
from jiewang.dispatching import selectors as dispatch_selectors
from jiewang.dispatching.services import assignments as dispatch_svc
from jiewang.dispatching.services import whistles as whistle_svc
from jiewang.dispatching.services.supervision import event_supervise
from jiewang.events import selectors as event_selectors
from jiewang.events.choices import EventStatus, Satisfaction
from jiewang.events.services import actions as event_svc

from .helpers import day_start, finish, is_htmx, not_found, parse_day, role_required, version_of

COMMAND_ROLES = {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN}
QUEUE_LIMIT = 50
GRID_SELECT_LIMIT = 500

command_required = role_required(COMMAND_ROLES)


# ---- scope and filters ----------------------------------------------------------------------

def command_roots(user) -> list:
    """The areas the user commands (its command-center grants' nodes, broadest first); for a
    superuser the visible roots."""
    if user.is_superuser:
        return list(area_selectors.area_roots(user=user)[:20])
    ids = {g.area_id for g in user_grants(user) if g.role in COMMAND_ROLES}
    areas = area_selectors.area_list(user=user).filter(id__in=ids)
    return sorted(areas, key=lambda a: (a.level, a.path))


def _root(request):
    roots = command_roots(request.user)
    wanted = request.GET.get("area")
    if wanted:
        for a in roots:
            if str(a.id) == wanted:
                return a, roots
    return (roots[0] if roots else None), roots


def read_filters(request, root) -> tuple[dict, dict]:
    """(keyword arguments for the event selectors, the form's values). Unknown values are ignored."""
    g = request.GET
    kw: dict = {}
    form = {k: g.get(k, "") for k in ("board", "category", "status", "grid", "since", "until")}
    if form["board"] in BoardKind.values:
        kw["board"] = form["board"]
    else:
        form["board"] = ""
    if form["category"] and event_selectors.category_list(user=request.user).filter(code=form["category"]).exists():
        kw["category"] = form["category"]
    else:
        form["category"] = ""
    if form["status"] in EventStatus.values:
        kw["status"] = [form["status"]]
    else:
        form["status"] = ""
    area = root
    if form["grid"].isdigit():
        try:
            grid = area_selectors.area_get(user=request.user, area_id=int(form["grid"]))
        except NotFound:
            grid = None
        if grid is not None and root is not None and grid.path.startswith(root.path):
            area = grid
        else:
            form["grid"] = ""
    else:
        form["grid"] = ""
    since, until = parse_day(form["since"]), parse_day(form["until"])
    if since:
        kw["since"] = day_start(since)
    else:
        form["since"] = ""
    if until:
        kw["until"] = day_start(until + dt.timedelta(days=1))
    else:
        form["until"] = ""
    if area is not None:
        kw["area"] = area
    return kw, form


def accept_levels(user) -> tuple[str, ...]:
    """Reported events wait for the town's command center; a district administrator also sees
    the ones escalated to the district (which only it may accept)."""
    if user.is_superuser or Role.DISTRICT_ADMIN in {g.role for g in user_grants(user)}:
        return ("town", "district")
    return ("town",)


# ---- departments offered for dispatch and whistles -------------------------------------------

def serving(departments, event) -> list:
    """The departments that may take ``event``: of its town, or of a level above it."""
    town_path = event.town.path
    return [d for d in departments if town_path.startswith(d.area.path) or d.area.path.startswith(town_path)]


def default_targets(departments, event) -> tuple[int | None, set[int]]:
    """(lead id, assisting ids) from the category's default department codes, matched against
    ``Department.code`` among the departments serving the event (the nearest one per code)."""
    picked = []
    for code in event.category.default_department_codes or []:
        candidates = [d for d in departments if d.code and d.code == code]
        if candidates:
            best = max(candidates, key=lambda d: len(d.area.path))
            if best.pk not in picked:
                picked.append(best.pk)
    return (picked[0] if picked else None), set(picked[1:])


def decorate(events, departments) -> list:
    now = timezone.now()
    for ev in events:
        ev.departments = serving(departments, ev)
        ev.default_lead, ev.default_assists = default_targets(ev.departments, ev)
        ev.overdue_now = bool(ev.is_overdue or (ev.due_at and ev.due_at < now and ev.status != "closed"))
        ev.status_colour = EventStatus.colour(ev.status)
    return events


# ---- the page -------------------------------------------------------------------------------

EVENT_QUEUES = [
    ("accept", gettext_noop("To accept"), event_selectors.queue_to_accept),
    ("dispatch", gettext_noop("To dispatch"), event_selectors.queue_to_dispatch),
    ("progress", gettext_noop("In progress"), event_selectors.queue_in_progress),
    ("verify", gettext_noop("To verify or visit"), event_selectors.queue_to_verify),
]


@command_required
def index(request):
    root, roots = _root(request)
    kw, form = read_filters(request, root)
    departments = list(account_selectors.department_list(user=request.user).order_by("area__path", "name")) \
        if root is not None else []
    queues = []
    for key, label, selector in EVENT_QUEUES:
        extra = {"levels": accept_levels(request.user)} if key == "accept" else {}
        qs = selector(user=request.user, **kw, **extra) if root is not None else None
        rows = decorate(list(qs[:QUEUE_LIMIT]), departments) if qs is not None else []
        queues.append({"key": key, "label": _(label), "count": qs.count() if qs is not None else 0,
                       "rows": rows, "kind": "event"})
    if root is not None:
        ext = dispatch_selectors.extension_pending_list(user=request.user, **kw)
        disputes = dispatch_selectors.dispute_pending_list(user=request.user, **kw)
        summonses = dispatch_selectors.summons_missing_list(user=request.user, **kw)
        dispute_rows = list(disputes[:QUEUE_LIMIT])
        for a in dispute_rows:
            a.event.departments = serving(departments, a.event)
        queues += [
            {"key": "extensions", "label": _("Extension requests"), "count": ext.count(),
             "rows": list(ext[:QUEUE_LIMIT]), "kind": "extension"},
            {"key": "disputes", "label": _("Disputes awaiting arbitration"), "count": disputes.count(),
             "rows": dispute_rows, "kind": "dispute"},
            {"key": "whistles", "label": _("Whistles with missing report-ins"), "count": summonses.count(),
             "rows": list(summonses[:QUEUE_LIMIT]), "kind": "summons"},
        ]
    grids = []
    if root is not None:
        grids = list(area_selectors.area_list(user=request.user, root_id=root.id, level=AreaLevel.GRID)
                     [:GRID_SELECT_LIMIT + 1])
    counts = event_selectors.grid_counts(user=request.user, **kw) if root is not None else {}
    grid_rows = [{"grid": g, **counts[g.id]} for g in grids if g.id in counts]
    grid_rows.sort(key=lambda r: (-r["overdue"], -r["open"], r["grid"].path))
    return render(request, "web/command/index.html", {
        "root": root, "roots": roots, "form": form, "queues": queues, "grids": grids[:GRID_SELECT_LIMIT],
        "boards": BoardKind.choices, "statuses": EventStatus.choices,
        "categories": event_selectors.category_list(user=request.user).filter(parent__isnull=True),
        "grid_rows": grid_rows, "satisfactions": Satisfaction.choices,
        "tile_url": getattr(settings, "MAP_TILE_URL", ""),
        "query": request.GET.urlencode(), "next": request.get_full_path(), "now_": timezone.now(),
    })


# ---- map data -------------------------------------------------------------------------------

@require_GET
@command_required
def map_grids(request):
    """Per-grid counts of open and overdue events in the user's scope (with the filters), and
    where to fetch the grids' GeoJSON."""
    root, _roots = _root(request)
    if root is None:
        return JsonResponse({"area": None, "geojson_url": None, "grids": {}})
    kw, _form = read_filters(request, root)
    counts = event_selectors.grid_counts(user=request.user, **kw)
    names = dict(area_selectors.area_list(user=request.user, root_id=root.id, level=AreaLevel.GRID)
                 .filter(id__in=list(counts)).values_list("id", "name"))
    return JsonResponse({
        "area": root.id,
        "geojson_url": f"/api/areas/{root.id}/geojson?level=grid",
        "bbox": [root.min_lon, root.min_lat, root.max_lon, root.max_lat],
        "grids": {str(k): {**v, "name": names.get(k, "")} for k, v in counts.items()},
        "totals": {"open": sum(v["open"] for v in counts.values()),
                   "overdue": sum(v["overdue"] for v in counts.values())},
    })


def _bbox(value: str | None):
    if not value:
        return None
    try:
        w, s, e, n = (float(x) for x in value.split(","))
    except ValueError:
        raise ValidationFailed("bbox 无效 / Invalid bbox.", code="map.bbox_invalid") from None
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise ValidationFailed("bbox 无效 / Invalid bbox.", code="map.bbox_invalid")
    return w, s, e, n


@require_GET
@command_required
def map_points(request):
    """Event points for the map at ``zoom`` (clustered below the points zoom) and the whistles
    in progress."""
    root, _roots = _root(request)
    try:
        zoom = int(request.GET.get("zoom", "12"))
        if not 0 <= zoom <= 22:
            raise ValueError
        bbox = _bbox(request.GET.get("bbox"))
    except ValueError:
        return JsonResponse({"code": "map.zoom_invalid", "message": "zoom 0–22"}, status=422)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    if root is None:
        return JsonResponse({"mode": "clusters", "zoom": zoom, "total": 0, "points": [], "clusters": [],
                             "whistles": []})
    kw, _form = read_filters(request, root)
    data = event_selectors.event_points(user=request.user, zoom=zoom, bbox=bbox, **kw)
    whistles = dispatch_selectors.whistles_in_progress(user=request.user, **kw)[:200]
    data["whistles"] = [{"id": w.id, "number": w.event.number, "problem": w.problem[:80], "urgent": w.is_urgent,
                         "lon": w.event.lon, "lat": w.event.lat} for w in whistles if w.event.lon is not None]
    return JsonResponse(data)


# ---- actions --------------------------------------------------------------------------------

def _departments_by_ids(request, ids) -> list:
    ids = [int(x) for x in ids if str(x).isdigit()]
    found = list(account_selectors.department_list(user=request.user).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise NotFound("部门不存在 / A department was not found.", code="dispatch.assist_not_found")
    return found


def _lead(request, field="lead"):
    value = request.POST.get(field, "")
    if not value.isdigit():
        raise ValidationFailed("须指定主办单位 / A lead is required.", code="dispatch.lead_required")
    lead = account_selectors.department_list(user=request.user).filter(pk=int(value)).first()
    if lead is None:
        raise NotFound("主办单位不存在 / Lead not found.", code="dispatch.lead_not_found")
    return lead


def _assists(request, lead=None) -> list:
    ids = [x for x in request.POST.getlist("assists") if not (lead is not None and x == str(lead.pk))]
    return _departments_by_ids(request, ids)


def _run_event_action(request, event, action: str) -> str:
    """Call the service for ``action``; returns the success message or raises ApplicationError."""
    p, user, version = request.POST, request.user, version_of(request)
    if action == "accept":
        event_svc.event_accept(event=event, actor=user, comment=p.get("comment", ""), expected_version=version)
        return _("Accepted: %(number)s is now waiting for dispatch.") % {"number": event.number}
    if action == "void":
        event_svc.event_void(event=event, actor=user, reason=p.get("reason", ""), expected_version=version)
        return _("Voided: %(number)s.") % {"number": event.number}
    if action == "dispatch":
        lead = _lead(request)
        made = dispatch_svc.event_dispatch(event=event, actor=user, lead=lead, assists=_assists(request, lead),
                                           instructions=p.get("instructions", ""), expected_version=version)
        return _("Dispatched to %(names)s.") % {"names": "、".join(str(a.department or a.post) for a in made)}
    if action == "whistle":
        depts = _departments_by_ids(request, p.getlist("departments"))
        whistle_svc.whistle_blow(event=event, actor=user, departments=depts, problem=p.get("problem", ""),
                                 urgent=p.get("urgent") == "on")
        return _("Whistle blown: %(names)s summoned.") % {"names": "、".join(d.name for d in depts)}
    if action in ("remind", "supervise"):
        event_supervise(event=event, actor=user, action=action, comment=p.get("comment", ""))
        return _("Reminder sent.") if action == "remind" else _("Supervision recorded and sent.")
    if action == "verify":
        passed = p.get("passed") == "1"
        event_svc.event_verify(event=event, actor=user, passed=passed, comment=p.get("comment", ""),
                               expected_version=version)
        return _("Verified and closed.") if passed else _("Verification failed: sent back for rework.")
    if action == "visit":
        sat = p.get("satisfaction", "")
        contacted = sat != "unreached"
        resolved = None if not contacted else sat != Satisfaction.DISSATISFIED
        event_svc.event_return_visit(event=event, actor=user, contacted=contacted, resolved=resolved,
                                     satisfaction=sat if contacted else "", comment=p.get("comment", ""),
                                     expected_version=version)
        return _("Return visit recorded.")
    if action == "arbitrate":
        aid = p.get("assignment", "")
        if not aid.isdigit():
            raise ValidationFailed("没有待仲裁的争议 / No dispute awaits arbitration.", code="dispatch.no_dispute")
        a = dispatch_selectors.assignment_get(user=user, assignment_id=int(aid))
        keep = p.get("ruling") != "redispatch"
        lead = None if keep else _lead(request)
        dispatch_svc.event_arbitrate(event=event, actor=user, assignment=a, keep=keep, reason=p.get("reason", ""),
                                     lead=lead, assists=[] if keep else _assists(request, lead),
                                     expected_version=version)
        return _("Ruling recorded: the department stays responsible.") if keep else _("Ruling recorded: redispatched.")
    raise NotFound("操作不存在 / Unknown action.", code="command.unknown_action")


EVENT_ACTIONS = {"accept", "void", "dispatch", "whistle", "remind", "supervise", "verify", "visit", "arbitrate"}


@require_POST
@command_required
def event_action(request, number: str, action: str):
    if action not in EVENT_ACTIONS:
        return not_found(request)
    try:
        event = event_selectors.event_get(user=request.user, number=number)
    except NotFound:
        return not_found(request)
    ok = error = None
    try:
        ok = _run_event_action(request, event, action)
    except ApplicationError as exc:
        error = exc.message
    return finish(request, default_url=reverse("web:command"), ok=ok, error=error,
                  **(_row_for(request, number) if is_htmx(request) else {}))


def _row_for(request, number: str) -> dict:
    """The re-rendered row an htmx action swaps in: the row kind the form came from."""
    row = request.POST.get("row", "event")
    user = request.user
    departments = list(account_selectors.department_list(user=user).order_by("area__path", "name"))
    kind, _sep, ident = row.partition(":")
    ctx = {"satisfactions": Satisfaction.choices}
    try:
        if kind == "summons" and ident.isdigit():
            ctx["s"] = dispatch_selectors.summons_get(user=user, summons_id=int(ident))
            return {"row_template": "web/command/_summons_row.html", "row_context": ctx}
        if kind == "dispute" and ident.isdigit():
            a = dispatch_selectors.assignment_get(user=user, assignment_id=int(ident))
            a.event = event_selectors.event_get(user=user, number=a.event.number)
            a.event.departments = serving(departments, a.event)
            ctx["a"] = a
            return {"row_template": "web/command/_dispute_row.html", "row_context": ctx}
    except NotFound:
        pass
    ev = event_selectors.event_get(user=user, number=number)
    ctx["ev"] = decorate([ev], departments)[0]
    ctx["queue"] = request.POST.get("queue", "")
    return {"row_template": "web/command/_event_row.html", "row_context": ctx}


@require_POST
@command_required
def extension_decide(request, request_id: int):
    try:
        req = dispatch_selectors.extension_get(user=request.user, request_id=request_id)
    except NotFound:
        return not_found(request)
    ok = error = None
    approve = request.POST.get("approve") == "1"
    try:
        dispatch_svc.extension_decide(request=req, actor=request.user, approve=approve,
                                      comment=request.POST.get("comment", ""))
        ok = _("Extension approved.") if approve else _("Extension rejected.")
    except ApplicationError as exc:
        error = exc.message
    req = dispatch_selectors.extension_get(user=request.user, request_id=request_id)
    return finish(request, default_url=reverse("web:command"), ok=ok, error=error,
                  row_template="web/command/_extension_row.html", row_context={"r": req})
