"""指挥中心 — the town command center: the map of the user's area and the work queues, each row
with its actions from the action registry's ``command`` surface (htmx swaps the row; a plain POST
redirects back). Reads go through selectors (scoped to the user); the forms post to the one form
view (:func:`jiewang.web.actions.action_post`), which runs the same services as the API: a
refused action shows the service's message and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from jiewang.accounts.choices import BoardKind, Role
from jiewang.accounts.permissions import COMMAND_LEADERS
from jiewang.areas import selectors as area_selectors
from jiewang.areas.choices import AreaLevel
from jiewang.core.errors import ApplicationError, NotFound, ValidationFailed
from jiewang.core.scope import user_grants
from jiewang.dispatching import selectors as dispatch_selectors
from jiewang.events import selectors as event_selectors
from jiewang.events.choices import EventStatus, Satisfaction

from ..actions import forms_for
from .helpers import day_start, parse_day, role_required
from .situation import situation_context

COMMAND_ROLES = {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, *COMMAND_LEADERS}
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


def decorate(events, user) -> list:
    """Event rows: the overdue flag, the status colour and the row's actions (the registry's
    ``command`` surface)."""
    now = timezone.now()
    for ev in events:
        ev.overdue_now = bool(ev.is_overdue or (ev.due_at and ev.due_at < now and ev.status != "closed"))
        ev.status_colour = EventStatus.colour(ev.status)
        ev.row_actions = forms_for(user, ev, "command", subjects=[])
    return events


def decorate_subject_rows(rows, user, kind: str) -> list:
    """Extension, dispute, whistle-request and summons rows: each with its own actions (decide,
    arbitrate, approve or decline, urge, rate)."""
    for row in rows:
        if kind == "summons":
            row.row_actions = forms_for(user, row.whistle.event, "command", subjects=[], names=("remind",))
        elif kind == "rating":
            row.row_actions = forms_for(user, row.whistle.event, "command", subjects=[row], event_level=False,
                                        names=("rate_summons",))
        else:
            row.row_actions = forms_for(user, row.event, "command", subjects=[row], event_level=False)
    return rows


# ---- the page -------------------------------------------------------------------------------

EVENT_QUEUES = [
    ("place", gettext_noop("To place"), event_selectors.queue_to_place),
    ("accept", gettext_noop("To accept"), event_selectors.queue_to_accept),
    ("dispatch", gettext_noop("To dispatch"), event_selectors.queue_to_dispatch),
    ("progress", gettext_noop("In progress"), event_selectors.queue_in_progress),
    ("local", gettext_noop("Being handled in the grids and communities"), event_selectors.queue_local),
    ("verify", gettext_noop("To verify or visit"), event_selectors.queue_to_verify),
]


@command_required
def index(request):
    root, roots = _root(request)
    kw, form = read_filters(request, root)
    queues = []
    for key, label, selector in EVENT_QUEUES:
        extra = {"levels": accept_levels(request.user)} if key in ("place", "accept") else {}
        qs = selector(user=request.user, **kw, **extra) if root is not None else None
        rows = decorate(list(qs[:QUEUE_LIMIT]), request.user) if qs is not None else []
        queues.append({"key": key, "label": _(label), "count": qs.count() if qs is not None else 0,
                       "rows": rows, "kind": "event"})
    if root is not None:
        ext = dispatch_selectors.extension_pending_list(user=request.user, **kw)
        disputes = dispatch_selectors.dispute_pending_list(user=request.user, **kw)
        summonses = dispatch_selectors.summons_missing_list(user=request.user, **kw)
        wrequests = dispatch_selectors.whistle_request_pending_list(user=request.user, **kw)
        to_rate = dispatch_selectors.summons_to_rate_list(user=request.user, **kw)
        queues += [
            {"key": "extensions", "label": _("Extension requests"), "count": ext.count(),
             "rows": decorate_subject_rows(list(ext[:QUEUE_LIMIT]), request.user, "extension"), "kind": "extension"},
            {"key": "disputes", "label": _("Disputes awaiting arbitration"), "count": disputes.count(),
             "rows": decorate_subject_rows(list(disputes[:QUEUE_LIMIT]), request.user, "dispute"),
             "kind": "dispute"},
            {"key": "whistles", "label": _("Whistles with missing report-ins"), "count": summonses.count(),
             "rows": decorate_subject_rows(list(summonses[:QUEUE_LIMIT]), request.user, "summons"),
             "kind": "summons"},
            {"key": "whistle-requests", "label": _("Whistle requests"), "count": wrequests.count(),
             "rows": decorate_subject_rows(list(wrequests[:QUEUE_LIMIT]), request.user, "whistle_request"),
             "kind": "whistle_request"},
            {"key": "ratings", "label": _("Report-ins to rate"), "count": to_rate.count(),
             "rows": decorate_subject_rows(list(to_rate[:QUEUE_LIMIT]), request.user, "rating"), "kind": "rating"},
        ]
    grids = []
    if root is not None:
        grids = list(area_selectors.area_list(user=request.user, root_id=root.id, level=AreaLevel.GRID)
                     [:GRID_SELECT_LIMIT + 1])
    layer, area_rows, _size = layer_rows(request, root, kw) if root is not None else (None, [], 0)
    map_totals = {k: sum(r[k] for r in area_rows) for k in ("open", "overdue", "local")}
    return render(request, "web/command/index.html", {
        "root": root, "roots": roots, "form": form, "queues": queues, "grids": grids[:GRID_SELECT_LIMIT],
        "boards": BoardKind.choices, "statuses": EventStatus.choices,
        "categories": event_selectors.category_list(user=request.user).filter(parent__isnull=True),
        "area_rows": area_rows, "map_totals": map_totals, "layer_label": AreaLevel(layer).label if layer else "",
        "layers": [(LAYER_NAMES[lv], AreaLevel(lv).label) for lv in map_layers(root)] if root is not None else [],
        "layer": LAYER_NAMES.get(layer, ""), "satisfactions": Satisfaction.choices,
        "tile_url": getattr(settings, "MAP_TILE_URL", ""),
        "query": request.GET.urlencode(), "next": request.get_full_path(), "now_": timezone.now(),
        "situation": situation_context(request.user, root),
    })


# ---- map data -------------------------------------------------------------------------------

# The map colours the areas of one level below the commanded area; more polygons than this are
# not drawn (the page says so and offers a coarser layer).
MAP_LAYER_MAX_AREAS = 3000
LAYER_NAMES = {AreaLevel.DISTRICT: "district", AreaLevel.TOWN: "town", AreaLevel.COMMUNITY: "community",
               AreaLevel.GRID: "grid"}


def map_layers(root) -> list[int]:
    """The levels the map of ``root`` can colour: every level from one below it down to the grid."""
    return [lv for lv in LAYER_NAMES if lv > root.level]


def map_layer(request, root) -> int | None:
    """The layer asked for (``?layer=town``), else the default: grids for a town, towns for a
    district, districts for a city (one level below, two for a district's towns would be the
    same: a district's children are its towns)."""
    layers = map_layers(root)
    if not layers:
        return None
    wanted = request.GET.get("layer", "")
    for lv in layers:
        if LAYER_NAMES[lv] == wanted:
            return lv
    return AreaLevel.GRID if root.level >= AreaLevel.TOWN else layers[0]


def layer_rows(request, root, kw) -> tuple[int | None, list[dict], int]:
    """(layer level, rows of areas with open events sorted worst first, number of areas of the
    layer) for the page's table and the map."""
    level = map_layer(request, root)
    if level is None:
        return None, [], 0
    areas = area_selectors.area_list(user=request.user, root_id=root.id, level=level)
    counts = event_selectors.area_counts(user=request.user, level=level, **kw)
    names = dict(areas.filter(id__in=list(counts)).values_list("id", "name"))
    rows = [{"id": k, "name": names[k], **v} for k, v in counts.items() if k in names]
    rows.sort(key=lambda r: (-r["overdue"], -r["open"], r["name"]))
    return level, rows, areas.count()


@require_GET
@command_required
def map_grids(request):
    """Per-area counts of open and overdue events for the map's layer (grids of a town, towns of
    a district, districts of a city, or the ``layer`` asked for) in the user's scope, with the
    filters, and where to fetch the layer's GeoJSON. A layer of more than
    :data:`MAP_LAYER_MAX_AREAS` areas is not drawn: ``too_large`` and a message say so."""
    root, _roots = _root(request)
    if root is None:
        return JsonResponse({"area": None, "geojson_url": None, "areas": {}})
    kw, _form = read_filters(request, root)
    level, rows, size = layer_rows(request, root, kw)
    too_large = size > MAP_LAYER_MAX_AREAS
    name = LAYER_NAMES.get(level, "")
    return JsonResponse({
        "area": root.id,
        "layer": name,
        "layers": [{"value": LAYER_NAMES[lv], "label": str(AreaLevel(lv).label)} for lv in map_layers(root)],
        "geojson_url": None if too_large or level is None else f"/api/areas/{root.id}/geojson?level={name}",
        "too_large": too_large,
        "message": (_("%(n)d areas are too many to draw; choose a coarser layer or a smaller area.") % {"n": size}
                    if too_large else ""),
        "bbox": [root.min_lon, root.min_lat, root.max_lon, root.max_lat],
        "areas": {str(r["id"]): {"open": r["open"], "overdue": r["overdue"], "local": r["local"], "name": r["name"]}
                  for r in rows},
        "totals": {k: sum(r[k] for r in rows) for k in ("open", "overdue", "local")},
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


# ---- the row an action re-renders -----------------------------------------------------------
# The actions themselves post to the one form view (jiewang.web.actions.action_post).

def row_for(request, number: str) -> dict:
    """The re-rendered row an htmx action swaps in: the row kind the form came from
    (``row`` = ``event``, ``extension:ID``, ``dispute:ID``, ``summons:ID``, ``whistle_request:ID`` or
    ``rating:ID``)."""
    user = request.user
    kind, _sep, ident = request.POST.get("row", "event").partition(":")
    ctx = {"queue": request.POST.get("queue", "")}
    try:
        if kind == "summons" and ident.isdigit():
            ctx["s"] = decorate_subject_rows([dispatch_selectors.summons_get(user=user, summons_id=int(ident))],
                                             user, "summons")[0]
            return {"row_template": "web/command/_summons_row.html", "row_context": ctx}
        if kind == "rating" and ident.isdigit():
            ctx["s"] = decorate_subject_rows([dispatch_selectors.summons_get(user=user, summons_id=int(ident))],
                                             user, "rating")[0]
            return {"row_template": "web/command/_rating_row.html", "row_context": ctx}
        if kind == "whistle_request" and ident.isdigit():
            r = dispatch_selectors.whistle_request_get(user=user, request_id=int(ident))
            ctx["r"] = decorate_subject_rows([r], user, "whistle_request")[0]
            return {"row_template": "web/command/_whistle_request_row.html", "row_context": ctx}
        if kind == "dispute" and ident.isdigit():
            a = dispatch_selectors.assignment_get(user=user, assignment_id=int(ident))
            ctx["a"] = decorate_subject_rows([a], user, "dispute")[0]
            return {"row_template": "web/command/_dispute_row.html", "row_context": ctx}
        if kind == "extension" and ident.isdigit():
            r = dispatch_selectors.extension_get(user=user, request_id=int(ident))
            ctx["r"] = decorate_subject_rows([r], user, "extension")[0]
            return {"row_template": "web/command/_extension_row.html", "row_context": ctx}
        ev = event_selectors.event_get(user=user, number=number)
    except NotFound:
        return {}
    ctx["ev"] = decorate([ev], user)[0]
    return {"row_template": "web/command/_event_row.html", "row_context": ctx}
