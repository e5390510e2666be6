"""Pages of patrols and visits (巡查走访), phone first.

For the grid worker (under /grid/): the start screen's card (today's patrol and the visits due,
``today_card``, included by ``web/grid/index.html``), the patrol screen (start, the live track
recorded by ``static/web/patrol.js`` and sent through the same offline outbox as reports,
check-ins with a photo, end), the visits due (key persons overdue, households not yet visited this
month), the visit form and a visit's page with its "report as an event" button (the report form
pre-filled with the visit's place, person and findings). For community, town and district: the
coverage page (/patrols/coverage/). Reads through the patrols selectors and coverage, writes
through its services.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError, NotFound
from jiewang.core.scope import Action, restrict, user_grants
from jiewang.patrols import selectors
from jiewang.patrols.coverage import RESIDENTIAL, coverage_report, ensure_reader, overdue_key_persons
from jiewang.patrols.models import Visit
from jiewang.patrols.permissions import READERS
from jiewang.patrols.services import patrols as patrol_svc
from jiewang.patrols.services import visits as visit_svc
from jiewang.patrols.services.common import worker_grid_paths


def _my_grids(user) -> list[Area]:
    """The grids the user patrols (grid-worker grants), their own grids first (staffing's order)."""
    from jiewang.staffing.selectors import my_grid_ids

    paths = worker_grid_paths(user)
    if not paths and not user.is_superuser:
        return []
    order = {gid: i for i, gid in enumerate(my_grid_ids(user))}
    qs = Area.objects.grids().filter(valid_to__isnull=True)
    if not user.is_superuser or paths:
        qs = qs.filter(path__in=paths)
    grids = list(qs[:50])
    return sorted(grids, key=lambda a: (order.get(a.pk, len(order)), a.path))


def _is_worker(user) -> bool:
    return bool(worker_grid_paths(user))


def _forbidden(request):
    return render(request, "web/grid/forbidden.html", status=403)


def today_card(user) -> dict:
    """The start screen's card: today's patrol (under way, done, or to start) and the visits due
    in the worker's grids. Empty for users who patrol no grid."""
    if not _is_worker(user):
        return {}
    today = timezone.localdate()
    grids = _my_grids(user)
    ongoing = selectors.ongoing_patrol(user=user)
    done_today = selectors.patrol_list(user=user, worker_id=user.pk).filter(day=today).count()
    overdue = []
    for g in grids[:3]:
        overdue += overdue_key_persons(user=user, area=g, limit=20)
    since = ""
    if ongoing is not None:  # a patrol left under way since another day shows its date
        local = timezone.localtime(ongoing.started_at)
        since = local.strftime("%H:%M" if local.date() == today else "%m-%d %H:%M")
    return {"patrol_today": {"ongoing": ongoing, "since": since, "done": done_today, "grids": grids},
            "visits_due": sorted(overdue, key=lambda r: r["due_at"])[:5], "visits_due_count": len(overdue)}


@login_required
def patrol(request):
    """Start a patrol (POST) or continue the one under way; its page records the track."""
    user = request.user
    if not _is_worker(user):
        return _forbidden(request)
    get_token(request)
    if request.method == "POST":
        grid = next((g for g in _my_grids(user) if str(g.pk) == request.POST.get("grid")), None)
        if grid is None:
            messages.error(request, _("Choose one of your grids."))
            return redirect("web:grid-patrol")
        try:
            patrol_svc.patrol_start(actor=user, grid=grid, client_id=request.POST.get("client_id", ""))
        except ApplicationError as exc:
            messages.error(request, exc.text)
        return redirect("web:grid-patrol")
    ongoing = selectors.ongoing_patrol(user=user)
    grids = _my_grids(user)
    ctx = {"grids": grids, "patrol": ongoing, "track": [], "checkins": [], "recent": list(
        selectors.patrol_list(user=user, worker_id=user.pk).filter(status="ended")[:5])}
    # The screen works without signal (static/web/patrol.js): a patrol started offline is queued
    # in the outbox and its track, check-ins and end wait for its id ("{id}" in their urls).
    config = {"patrol": None, "client_id": "", "grid": None, "start_url": "/api/patrols",
              "points_url": "/api/patrols/{id}/points", "checkin_url": "/api/patrols/{id}/checkins",
              "end_url": "/api/patrols/{id}/end", "buildings_url": "/api/patrols/buildings",
              "done_url": reverse("web:grid"), "batch_points": 20, "batch_seconds": 15,
              "rendered_at": int(timezone.now().timestamp() * 1000)}
    if ongoing is not None:
        config.update({"patrol": ongoing.pk, "client_id": ongoing.client_id, "grid": ongoing.grid_id,
                       "points_url": f"/api/patrols/{ongoing.pk}/points",
                       "checkin_url": f"/api/patrols/{ongoing.pk}/checkins",
                       "end_url": f"/api/patrols/{ongoing.pk}/end"})
        ctx["track"] = selectors.track(ongoing, limit=5000)
        ctx["checkins"] = selectors.checkins(ongoing)
    shown = [ongoing.grid] if ongoing is not None else grids
    ctx["outlines"] = {g.pk: {"type": "Feature", "properties": {"name": g.name}, "geometry": g.geometry}
                       for g in shown if g.geometry}
    ctx["grid_names"] = {g.pk: g.name for g in shown}
    ctx["buildings"] = selectors.patrol_buildings(user=user)  # refreshed from the API when online
    ctx["config"] = config
    ctx["client_id"] = str(uuid.uuid4())
    return render(request, "web/patrols/patrol.html", ctx)


def _households_not_visited(user, grids, limit=50):
    """Houses in residential use of the grids not visited this month."""
    from jiewang.basedata.selectors import house_list

    # the month's first local midnight as a moment: a range on the column, not a per-row date cast
    # (which SQLite computes in Python for every visit row, again for every house of NOT IN)
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate().replace(day=1), dt.time()))
    visited = Visit.objects.filter(grid__in=grids, visited_at__gte=start).values("house_id")
    qs = house_list(user=user).filter(grid__in=grids, use__in=RESIDENTIAL).exclude(pk__in=visited)
    return qs.count(), list(qs.select_related("address")[:limit])


@login_required
def visits_due(request):
    user = request.user
    if not _is_worker(user):
        return _forbidden(request)
    grids = _my_grids(user)
    overdue = []
    for g in grids:
        overdue += overdue_key_persons(user=user, area=g, limit=100)
    overdue.sort(key=lambda r: r["due_at"])
    count, houses = _households_not_visited(user, grids)
    recent = list(selectors.visit_list(user=user).filter(worker=user)[:10])
    return render(request, "web/patrols/visits.html", {"overdue": overdue, "houses": houses, "houses_count": count,
                                                       "recent": recent})


@login_required
def visit_new(request):
    """The visit form, for a house (``?house=``) or a key person (``?key_person=``)."""
    from jiewang.basedata import selectors as base

    user = request.user
    if not _is_worker(user):
        return _forbidden(request)
    src = request.POST if request.method == "POST" else request.GET
    try:
        kp = base.key_person_get(user=user, key_person_id=int(src["key_person"])) if src.get("key_person") else None
        house = base.house_get(user=user, house_id=int(src["house"])) if src.get("house") and not kp else None
    except (NotFound, ValueError):
        return render(request, "web/not_found.html", status=404)
    if kp is None and house is None:
        return redirect("web:grid-visits")
    error = ""
    if request.method == "POST":
        due = None
        if request.POST.get("follow_up_due"):
            try:
                due = dt.date.fromisoformat(request.POST["follow_up_due"])
            except ValueError:
                error = _("Give the follow-up date as a date.")
        if not error:
            try:
                lon = float(request.POST["lon"]) if request.POST.get("lon") else None
                lat = float(request.POST["lat"]) if request.POST.get("lat") else None
                visit, _created = visit_svc.visit_record(
                    actor=user, house=house, key_person=kp, findings=request.POST.get("findings", ""),
                    needs=request.POST.get("needs", ""), follow_up=request.POST.get("follow_up", ""),
                    follow_up_due=due, lon=lon, lat=lat, client_id=request.POST.get("client_id", ""))
            except (ApplicationError, ValueError) as exc:
                error = exc.text if isinstance(exc, ApplicationError) else _("Invalid position.")
            else:
                messages.success(request, _("The visit is recorded."))
                return redirect("web:grid-visit", visit_id=visit.pk)
    target = kp.resident.house if kp else house
    return render(request, "web/patrols/visit_form.html", {
        "kp": kp, "house": target, "error": error, "values": request.POST if request.method == "POST" else {},
        "client_id": src.get("client_id") or str(uuid.uuid4())})


@login_required
def visit_detail(request, visit_id: int):
    try:
        visit = selectors.visit_get(user=request.user, visit_id=visit_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    history = list(selectors.visit_list(user=request.user, house_id=visit.house_id).exclude(pk=visit.pk)[:10])
    return render(request, "web/patrols/visit_detail.html", {
        "visit": visit, "history": history, "mine": visit.worker_id == request.user.pk})


@login_required
def visit_report(request, visit_id: int):
    """The grid worker's report form, pre-filled from the visit (place, person, findings); it
    submits to the visit's event endpoint through the outbox, so the event references the visit."""
    from jiewang.web.grid.views import report

    try:
        visit = selectors.visit_get(user=request.user, visit_id=visit_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    if visit.event_id:
        return redirect(f"/events/{visit.event.number}/")
    prefill = visit_svc.event_prefill(visit)
    return report(request, prefill={**prefill, "visit": visit,
                                    "submit_url": f"/api/patrols/visits/{visit.pk}/event"})


def _coverage_area(request) -> Area | None:
    """The area asked for (``?area=``), else the highest one the user reads coverage of."""
    user = request.user
    grants = [g for g in user_grants(user) if g.role in READERS]
    if request.GET.get("area"):
        try:
            area = restrict(Area.objects.filter(pk=int(request.GET["area"])), user, Action.VIEW).first()
        except ValueError:
            return None
        return area
    if user.is_superuser and not grants:
        return Area.objects.filter(parent__isnull=True).order_by("path").first()
    if not grants:
        return None
    top = min(grants, key=lambda g: g.path.count("/"))
    return Area.objects.filter(pk=top.area_id).first()


@login_required
def coverage(request):
    area = _coverage_area(request)
    if area is None:
        return render(request, "web/not_found.html", status=404)
    try:
        ensure_reader(request.user, area)
        report = coverage_report(user=request.user, area=area, month=request.GET.get("month") or None)
        overdue = overdue_key_persons(user=request.user, area=area, limit=50)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    except ApplicationError as exc:
        messages.error(request, exc.text)
        return redirect(f"{reverse('web:patrol-coverage')}?area={area.pk}")
    today = timezone.localdate()
    months = []
    first = today.replace(day=1)
    for _i in range(6):
        months.append(first.strftime("%Y-%m"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    up = None
    if area.parent_id:
        parent = Area.objects.filter(pk=area.parent_id).first()
        try:
            ensure_reader(request.user, parent)
            up = parent
        except NotFound:
            up = None
    return render(request, "web/patrols/coverage.html", {
        "area": area, "report": report, "overdue": overdue, "months": months, "up": up,
        "week": report["month"].week_label.replace("/", " – ")})
