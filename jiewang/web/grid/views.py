"""The grid worker's workspace (网格员, /grid/), phone first: today's tasks (events of the grid to
handle, results to verify, deadlines soon), one-tap escalation, verification with photos, and the
three-screen report (category → photo and description → location) that also works offline (see
``static/web/offline-queue.js`` and :mod:`jiewang.web.grid.pwa`).

Reads go through ``jiewang.events.selectors`` (scoped), writes through the same services as the API.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts.choices import BoardKind, Role
from jiewang.core.errors import ApplicationError, NotFound, ValidationFailed
from jiewang.core.scope import Action, restrict, user_grants
from jiewang.events import selectors
from jiewang.events.choices import EventStatus, HandlingLevel, PhotoKind
from jiewang.events.models import MatterCategory
from jiewang.events.services import actions
from jiewang.events.services.photos import event_photo_add, max_bytes

GRID_ROLES = {Role.GRID_WORKER, Role.COMMUNITY_STAFF}
LEVEL_OF_ROLE = {Role.GRID_WORKER: HandlingLevel.GRID, Role.COMMUNITY_STAFF: HandlingLevel.COMMUNITY}
DUE_SOON = dt.timedelta(hours=24)
CLOSED_STATES = [EventStatus.VOIDED, EventStatus.CLOSED, EventStatus.RATED, EventStatus.SHELVED]


def event_url(number: str) -> str:
    """The shared event page (``web:event``), built by another section; a plain path until then."""
    try:
        return reverse("web:event", args=[number])
    except NoReverseMatch:
        return f"/events/{number}/"


def _grid_grants(user):
    return [g for g in user_grants(user) if g.role in GRID_ROLES]


def _allowed(user) -> bool:
    return user.is_superuser or bool(_grid_grants(user))


def _forbidden(request):
    return render(request, "web/grid/forbidden.html", status=403)


def _tasks(user) -> dict:
    qs = selectors.event_list(user=user)
    grants = _grid_grants(user)
    if not user.is_superuser:
        where = Q(pk__in=[])
        for g in grants:
            where |= Q(area_path__startswith=g.path)
        qs = qs.filter(where)
    levels = {LEVEL_OF_ROLE[g.role] for g in grants} or {HandlingLevel.GRID, HandlingLevel.COMMUNITY}
    now = timezone.now()
    handle = list(qs.filter(level__in=levels, status__in=[EventStatus.REPORTED, EventStatus.ACCEPTED,
                                                           EventStatus.HANDLING])[:100])
    verify = list(qs.filter(status=EventStatus.FEEDBACK)[:100])
    due = list(qs.exclude(status__in=CLOSED_STATES).filter(due_at__isnull=False, due_at__lte=now + DUE_SOON)
               .order_by("due_at")[:50])
    for e in [*handle, *verify, *due]:
        e.url = event_url(e.number)
        e.status_label = EventStatus(e.status).label
        e.may_escalate = e.level in levels and e.status in (EventStatus.REPORTED, EventStatus.ACCEPTED,
                                                            EventStatus.HANDLING)
    return {"handle": handle, "verify": verify, "due": due, "now": now, "sent": _sent_down(user),
            "whistle_requests": _my_whistle_requests(user)}


def _my_whistle_requests(user) -> list:
    """The worker's own whistle requests (吹哨申请): pending first, then the latest decisions."""
    from jiewang.dispatching import selectors as dispatch_selectors

    rows = dispatch_selectors.whistle_requests_by(user=user)
    for r in rows:
        r.event.url = event_url(r.event.number)
    return rows


def _sent_down(user) -> list:
    """Open work sent down to the user's village/community or grid (交办), oldest first, with its
    checklist's progress."""
    from django.db.models import Count

    from jiewang.dispatching import selectors as dispatch_selectors
    from jiewang.dispatching.handlers import AREA, user_keys

    keys = {k for k in user_keys(user) if k[0] == AREA}
    if not keys:
        return []
    rows = list(dispatch_selectors.handler_queue(user=user, keys=keys).select_related("event__category")
                .annotate(items_total=Count("event__checklist"),
                          items_done=Count("event__checklist", filter=Q(event__checklist__done_at__isnull=False)))
                [:100])
    for a in rows:
        a.event.url = event_url(a.event.number)
    return rows


@login_required
def index(request):
    if not _allowed(request.user):
        return _forbidden(request)
    get_token(request)  # the offline queue reads the csrftoken cookie when it sends
    from jiewang.web.patrols.views import today_card  # 巡查走访: today's patrol and visits due

    return render(request, "web/grid/index.html", {**_tasks(request.user), "max_mb": max_bytes() // 1024 // 1024,
                                                   **today_card(request.user)})


def _event_or_404(request, number):
    try:
        return selectors.event_get(user=request.user, number=number)
    except NotFound:
        return None


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@login_required
@require_POST
def escalate(request, number: str):
    event = _event_or_404(request, number)
    if event is None or not _allowed(request.user):
        return render(request, "web/not_found.html", status=404)
    try:
        actions.event_escalate(event=event, actor=request.user, reason=request.POST.get("reason", ""),
                               expected_version=_version(request))
    except ApplicationError as exc:
        messages.error(request, f"{event.number}: {exc.text}")
    else:
        messages.success(request, _("%(number)s was escalated to the next level.") % {"number": event.number})
    return redirect("web:grid")


@login_required
@require_POST
def verify(request, number: str):
    """核查: pass closes the event, fail sends it back (a reason is required); the photos taken
    on site are attached in the same transaction, so a refusal keeps nothing."""
    event = _event_or_404(request, number)
    if event is None or not _allowed(request.user):
        return render(request, "web/not_found.html", status=404)
    outcome = request.POST.get("outcome")
    try:
        if outcome not in ("pass", "fail"):
            raise ValidationFailed(_("Choose whether the result passes."), code="event.verify_outcome_required")
        uploads = [(PhotoKind.BEFORE, request.FILES.get("before")), (PhotoKind.AFTER, request.FILES.get("after"))]
        for _kind, f in uploads:
            if f is not None and f.size > max_bytes():
                raise ValidationFailed(_("The photo is too large (at most %(mb)d MB).")
                                       % {"mb": max_bytes() // 1024 // 1024}, code="photo.too_large")
        with transaction.atomic():
            event = actions.event_verify(event=event, actor=request.user, passed=outcome == "pass",
                                         comment=request.POST.get("comment", ""),
                                         expected_version=_version(request))
            for kind, f in uploads:
                if f is not None:
                    event_photo_add(event=event, actor=request.user, data=f.read(), kind=kind)
    except ApplicationError as exc:
        messages.error(request, f"{number}: {exc.text}")
    else:
        messages.success(request, (_("%(number)s passed verification and is closed.") if outcome == "pass"
                                   else _("%(number)s was sent back for rework.")) % {"number": number})
    return redirect("web:grid")


def _categories(user):
    cats = restrict(MatterCategory.objects.filter(is_active=True, parent__isnull=False), user, Action.VIEW)
    groups: dict[str, list] = {}
    for c in cats.order_by("board_kind", "order", "code"):
        groups.setdefault(c.board_kind, []).append(c)
    return [(BoardKind(k).label, v) for k, v in groups.items()]


def _quick_categories(user, groups) -> tuple[list, list]:
    """(recent, frequent) categories of the worker's own reports, from the catalog shown."""
    recent_ids, frequent_ids = selectors.categories_used_by(user=user)
    by_id = {c.id: c for _board, cats in groups for c in cats}
    return [by_id[i] for i in recent_ids if i in by_id], [by_id[i] for i in frequent_ids if i in by_id]


def _own_outline(user) -> dict | None:
    """The outline of the worker's own grids (a community's staff: their communities) as a
    GeoJSON FeatureCollection for the location screen's map; None when none has a boundary."""
    from jiewang.areas import selectors as area_selectors

    ids = [g.area_id for g in _grid_grants(user)]
    areas = [a for a in area_selectors.area_list(user=user).filter(id__in=ids) if a.geometry]
    if not areas:
        return None
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": a.id, "properties": {"name": a.name}, "geometry": a.geometry} for a in areas]}


@login_required
def report(request, prefill: dict | None = None):
    """The three-screen report. The page carries only the worker's own data (their frequent
    categories, their grid's outline), so the service worker keeps it for use without signal.
    Submission happens in the browser (grid.js → the API). ``prefill`` (title, description,
    address, lon, lat, submit_url, visit): a visit's problem (``jiewang.web.patrols.views.visit_report``,
    its own URL, never cached as the offline form)."""
    if not _allowed(request.user):
        return _forbidden(request)
    get_token(request)
    groups = _categories(request.user)
    recent, frequent = _quick_categories(request.user, groups)
    return render(request, "web/grid/report.html", {"groups": groups, "recent": recent, "frequent": frequent,
                                                    "outline": _own_outline(request.user),
                                                    "max_mb": max_bytes() // 1024 // 1024, "prefill": prefill or {}})


def offline(request):
    """Shown by the service worker when a page is needed without signal and none is cached."""
    return render(request, "web/grid/offline.html")
