"""Reads of events, all through :func:`jiewang.core.scope.restrict`."""

from __future__ import annotations

import base64
import datetime as dt
import math

from django.db.models import Q, QuerySet

from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.scope import Action, restrict
from jiewang.core.snapshot import TableSnapshot

from .choices import EventStatus, LocationStatus
from .models import Deadline, Event, EventActivity, EventPhoto, MatterCategory


def event_list(*, user, area=None, board: str | None = None, category: str | None = None,
               status: list[str] | None = None, overdue: bool | None = None, channel: str | None = None,
               source: str | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None,
               level: str | None = None, q: str | None = None) -> QuerySet:
    qs = restrict(Event.objects.all(), user, Action.VIEW)
    if area is not None:
        qs = qs.filter(area_path__startswith=area.path)
    if board:
        qs = qs.filter(board_kind=board)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if status:
        qs = qs.filter(status__in=status)
    if overdue is not None:
        qs = qs.filter(is_overdue=overdue)
    if channel:
        qs = qs.filter(channel=channel)
    if source:
        qs = qs.filter(source=source)
    if level:
        qs = qs.filter(level=level)
    if since:
        qs = qs.filter(reported_at__gte=since)
    if until:
        qs = qs.filter(reported_at__lt=until)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number=q) | Q(address__icontains=q))
    return qs.select_related("category", "town", "community", "grid", "duplicate_of").order_by("-reported_at", "-id")


def event_get(*, user, number: str) -> Event:
    event = restrict(Event.objects.select_related("category", "town", "community", "grid"), user,
                     Action.VIEW).filter(number=number).first()
    if event is None:
        raise NotFound("事件不存在 / Event not found.", code="event.not_found")
    return event


def event_timeline(*, user, number: str) -> list[EventActivity]:
    event = event_get(user=user, number=number)
    return list(event.activities.select_related("actor").order_by("at", "id"))


def event_deadlines(*, user, event: Event) -> list[Deadline]:
    """The clocks of an event the user may see (``event`` comes from :func:`event_get`), the
    open ones first, each group by due time."""
    visible = restrict(Event.objects.filter(pk=event.pk), user, Action.VIEW).exists()
    if not visible:
        raise NotFound("事件不存在 / Event not found.", code="event.not_found")
    rows = list(Deadline.objects.filter(event_id=event.pk).order_by("due_at", "id"))
    open_states = ("running", "warned", "overdue")
    return [d for d in rows if d.state in open_states] + [d for d in rows if d.state not in open_states]


OPEN_CLOCK_STATES = ("running", "warned", "overdue")


def clock_is_provisional(deadline: Deadline) -> bool:
    """Is an open clock counted across a year whose official holiday arrangement is not known yet
    (``core.worktime`` provisional years)? Its due moment may move once the arrangement is loaded;
    pages and the API say so beside it. Closed clocks: ``False``."""
    from jiewang.core.worktime import provisional_between

    return deadline.state in OPEN_CLOCK_STATES and provisional_between(deadline.started_at, deadline.due_at)


def event_photo_list(*, user, event: Event) -> QuerySet:
    """The photos of an event the user may see."""
    visible = restrict(Event.objects.filter(pk=event.pk), user, Action.VIEW).values("id")
    return EventPhoto.objects.filter(event_id__in=visible, event_id=event.pk).order_by("uploaded_at", "id")


def event_photo_get(*, user, number: str, photo_id: int) -> EventPhoto:
    photo = EventPhoto.objects.filter(
        pk=photo_id, event__number=number,
        event_id__in=restrict(Event.objects.all(), user, Action.VIEW).values("id")).first()
    if photo is None:
        raise NotFound("照片不存在 / Photo not found.", code="photo.not_found")
    return photo


def category_get(*, user, code: str) -> MatterCategory:
    category = MatterCategory.objects.select_related("parent").filter(code=code).first()
    if category is None:
        raise NotFound("事项类别不存在 / Unknown category.", code="event.category_unknown")
    return category


def _reportable_categories() -> dict[str, MatterCategory]:
    return {c.code: c for c in MatterCategory.objects.filter(is_active=True, parent__isnull=False)}


_REPORTABLE = TableSnapshot(MatterCategory, _reportable_categories)


def category_for_report(code: str) -> MatterCategory | None:
    """The active leaf category a report names by ``code`` (None: unknown or retired), from this
    process's copy of the catalog: intake asks on every report; edits reach it within seconds."""
    return _REPORTABLE.get().get(code)


def category_list(*, user=None, board: str | None = None, include_inactive: bool = False) -> QuerySet:
    qs = MatterCategory.objects.select_related("parent")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if board:
        qs = qs.filter(board_kind=board)
    return qs.order_by("board_kind", "order", "code")


# ---- cursor pagination ----------------------------------------------------------------------

def encode_cursor(event: Event) -> str:
    raw = f"{event.reported_at.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def apply_cursor(qs: QuerySet, cursor: str | None) -> QuerySet:
    """Keyset pagination on (-reported_at, -id): stable under inserts, cheap at any depth."""
    if not cursor:
        return qs
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at_s, id_s = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        at, pk = dt.datetime.fromisoformat(at_s), int(id_s)
    except Exception as exc:  # noqa: BLE001
        raise ValidationFailed("分页游标无效 / Invalid cursor.", code="pagination.invalid_cursor") from exc
    return qs.filter(Q(reported_at__lt=at) | Q(reported_at=at, id__lt=pk))


# ---- the command center: queues, map counts and clusters -------------------------------------

# Events somebody still has to work on (a closed event awaiting its return visit is solved).
MAP_OPEN_STATUSES = ("reported", "accepted", "dispatched", "handling", "shelved", "feedback")
# Levels whose "reported" events wait for the command center (a district admin accepts at district).
TOWN_QUEUE_LEVELS = ("town", "district")


def queue_to_accept(*, user, levels=TOWN_QUEUE_LEVELS, **filters) -> QuerySet:
    """Reported and waiting for acceptance at the town (or district) command center, oldest first
    (events still to be placed on the map are in :func:`queue_to_place`)."""
    return event_list(user=user, **filters).filter(status="reported", level__in=list(levels)) \
        .exclude(location_status=LocationStatus.UNPLACED).order_by("-is_overdue", "reported_at", "id")


def queue_to_place(*, user, levels=TOWN_QUEUE_LEVELS, **filters) -> QuerySet:
    """Reported by address only and waiting at the town (or district) command center to be placed
    on the map (待定位), oldest first."""
    return event_list(user=user, **filters).filter(status="reported", level__in=list(levels),
                                                   location_status=LocationStatus.UNPLACED) \
        .order_by("-is_overdue", "reported_at", "id")


def queue_to_dispatch(*, user, **filters) -> QuerySet:
    """Accepted at the town (or district) and not yet dispatched, oldest first."""
    return event_list(user=user, **filters).filter(status="accepted", level__in=TOWN_QUEUE_LEVELS) \
        .order_by("-is_overdue", "accepted_at", "id")


def queue_in_progress(*, user, **filters) -> QuerySet:
    """Dispatched or being handled above the grids and communities (theirs are in
    :func:`queue_local`): overdue first, then by the nearest deadline."""
    from django.db.models import F

    return event_list(user=user, **filters).filter(status__in=["dispatched", "handling"]) \
        .exclude(level__in=LOCAL_LEVELS).order_by("-is_overdue", F("due_at").asc(nulls_last=True), "id")


def queue_to_verify(*, user, **filters) -> QuerySet:
    """Fed back (to verify) first, then closed (to visit); oldest first in each."""
    from django.db.models import Case, IntegerField, Value, When

    return event_list(user=user, **filters).filter(status__in=["feedback", "closed"]) \
        .annotate(queue_rank=Case(When(status="feedback", then=Value(0)), default=Value(1),
                                  output_field=IntegerField())) \
        .order_by("queue_rank", "feedback_at", "closed_at", "id")


# The levels below the command center: grid workers and community staff hold the event.
LOCAL_LEVELS = ("grid", "community")


def queue_local(*, user, **filters) -> QuerySet:
    """Being handled in the grids and communities (level grid or community, not ended: the map's
    open statuses), the command center's view of work it does not hold: overdue first, then by
    the nearest deadline. Its count is the map's "held by grids and communities" figure
    (``grid_counts``' ``local``) whenever every such event has a grid."""
    from django.db.models import F

    return event_list(user=user, **filters).filter(status__in=MAP_OPEN_STATUSES, level__in=LOCAL_LEVELS) \
        .order_by("-is_overdue", F("due_at").asc(nulls_last=True), "reported_at", "id")


def grid_counts(*, user, area=None, **filters) -> dict[int, dict]:
    """Open and overdue events per grid in the user's scope, and how many of them the grid or its
    community holds (level grid/community, :func:`queue_local`):
    ``{grid_id: {"open": n, "overdue": m, "local": k}}``. Only grids with at least one open event
    appear."""
    from django.db.models import Count

    rows = event_list(user=user, area=area, **filters).filter(status__in=MAP_OPEN_STATUSES, grid__isnull=False) \
        .order_by().values("grid_id").annotate(open=Count("id"), overdue=Count("id", filter=Q(is_overdue=True)),
                                               local=Count("id", filter=Q(level__in=LOCAL_LEVELS)))
    return {r["grid_id"]: {"open": r["open"], "overdue": r["overdue"], "local": r["local"]} for r in rows}


# Cells are this many screen pixels wide; from POINTS_FROM_ZOOM on every event is its own point.
CLUSTER_CELL_PX = 64
POINTS_FROM_ZOOM = 16
MAX_POINTS = 2000


def cluster_cell_degrees(zoom: int) -> float:
    """Width in degrees of one clustering cell at a web-mercator zoom (256 px tiles)."""
    return 360.0 / (256 * 2 ** max(0, int(zoom))) * CLUSTER_CELL_PX


def event_points(*, user, zoom: int, area=None, bbox: tuple[float, float, float, float] | None = None,
                 statuses=MAP_OPEN_STATUSES, **filters) -> dict:
    """Located open events for a map at ``zoom``, clustered on the server.

    Below :data:`POINTS_FROM_ZOOM` the points are bucketed into square cells of
    :func:`cluster_cell_degrees` (by ``floor(lon / cell)``, ``floor(lat / cell)``, in the
    database) and each non-empty cell is returned with its count and centroid; a cell holding one
    event also names it. From that zoom on (or when asked for few enough points) each event is
    returned. The counts of the clusters always sum to the number of matching points."""
    from django.db.models import Avg, Count, F, Min
    from django.db.models.functions import Floor

    qs = event_list(user=user, area=area, **filters).filter(status__in=list(statuses), lon__isnull=False,
                                                           lat__isnull=False).order_by()
    if bbox is not None:
        w, s, e, n = bbox
        qs = qs.filter(lon__gte=w, lon__lte=e, lat__gte=s, lat__lte=n)
    if int(zoom) >= POINTS_FROM_ZOOM:
        rows = list(qs.order_by("-is_overdue", "-reported_at").values(
            "number", "title", "status", "lon", "lat", "is_overdue")[:MAX_POINTS])
        return {"mode": "points", "zoom": int(zoom), "total": qs.count(), "points": rows, "clusters": []}
    cell = cluster_cell_degrees(zoom)
    rows = qs.annotate(cx=Floor(F("lon") / cell), cy=Floor(F("lat") / cell)).values("cx", "cy").annotate(
        count=Count("id"), lon=Avg("lon"), lat=Avg("lat"), overdue=Count("id", filter=Q(is_overdue=True)),
        first=Min("number")).order_by("cx", "cy")
    clusters = [{"count": r["count"], "lon": round(r["lon"], 6), "lat": round(r["lat"], 6),
                 "overdue": r["overdue"], "number": r["first"] if r["count"] == 1 else None} for r in rows]
    return {"mode": "clusters", "zoom": int(zoom), "cell": cell, "total": sum(c["count"] for c in clusters),
            "points": [], "clusters": clusters}


# Candidates for merging: same category, this close, reported within this window.
DUPLICATE_RADIUS_M = 100
DUPLICATE_WINDOW = dt.timedelta(days=7)


def event_possible_duplicates(*, user, event: Event) -> list[Event]:
    """Open events of the same category near ``event`` and reported within a week before or
    after it, that the user may see: candidates for the operator to merge (作废并合并). Computed
    when someone looks, not at intake, so that a later duplicate of an earlier report shows up
    too and intake stays light."""
    if event.lon is None or event.lat is None:
        return []
    dlat = DUPLICATE_RADIUS_M / 111_320
    dlon = dlat / max(math.cos(math.radians(event.lat)), 0.01)
    qs = restrict(Event.objects.all(), user, Action.VIEW).filter(
        category_id=event.category_id, status__in=EventStatus.open_values(), duplicate_of__isnull=True,
        reported_at__gte=event.reported_at - DUPLICATE_WINDOW, reported_at__lte=event.reported_at + DUPLICATE_WINDOW,
        lon__range=(event.lon - dlon, event.lon + dlon), lat__range=(event.lat - dlat, event.lat + dlat),
    ).exclude(pk=event.pk).order_by("reported_at")
    return list(qs[:10])
