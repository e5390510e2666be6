"""Evaluating the rules (the worker's ``warning.evaluate``, every 5 s, and ``warning.trend``).

New events and readings are read past a high-water mark (:class:`~jiewang.warning.models.WarningCursor`,
locked while a batch is evaluated, so two workers never evaluate the same batch) in id order;
each is held against the enabled rules whose area contains it. An alert is one row per rule ×
area × window key (a unique constraint), and a rule that already alerted for the same place within
its window stays quiet, so re-evaluating the same rows (a retry, a second worker, a rebuilt
cursor) raises nothing new. Nothing runs on the intake request path: the cost of segmenting text
and counting neighbours is the worker's.

Window keys: cluster and hot spot, the number of the T-hour window the firing event falls in;
repeat, the first event of the group; keyword, the event; sensor, the device and the quiet-period
window; trend, the department or post and the ISO week.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import threading
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from jiewang.accounts.choices import Role
from jiewang.areas.models import Area, BoundaryRevision
from jiewang.audit.services import audit_record
from jiewang.events.models import Deadline, Event, MatterCategory

from ..choices import ReadingKind, RuleKind
from ..models import Alert, Device, SensorReading, WarningCursor, WarningRule
from . import adjacency

BATCH = 1000
GAP_SECONDS = 120  # how long an id missing below the mark is waited for (a transaction still open)
MAX_GAPS = 10_000
EVENT_MAX_AGE = dt.timedelta(days=3)
M_PER_DEG_LAT = 110_540.0


# ---- text ------------------------------------------------------------------------------------

_tok_lock = threading.Lock()
_tokenizer = None
_added: set[str] = set()


def segment(text: str, words) -> list[str]:
    """``text`` cut into words by jieba (search mode: a long word also yields the words inside it,
    群体 in 群体性), with ``words`` known to the dictionary (so that a listed word is kept whole:
    讨薪 in 农民工讨薪)."""
    global _tokenizer
    with _tok_lock:
        if _tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            _tokenizer = jieba.Tokenizer()
        for w in words:
            if w not in _added:
                _tokenizer.add_word(w, freq=100_000)
                _added.add(w)
        return _tokenizer.lcut_for_search(text or "", HMM=False)


def keywords_in(text: str, words) -> list[str]:
    listed = set(words)
    return sorted({t for t in segment(text, words) if t in listed})


# ---- helpers ---------------------------------------------------------------------------------

def _epoch(at: dt.datetime) -> float:
    return at.timestamp()


def _bucket(at: dt.datetime, seconds: float) -> str:
    return str(int(_epoch(at) // seconds))


def _t(message: str, **args) -> str:
    """An alert's title in the deployment's language (what the command center reads)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % {k: str(v) for k, v in args.items()}


def metres(lon1, lat1, lon2, lat2) -> float:
    dx = (lon2 - lon1) * 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    dy = (lat2 - lat1) * M_PER_DEG_LAT
    return math.hypot(dx, dy)


def _raise(*, rule: WarningRule, area: Area, key: str, title: str, observed_at: dt.datetime,
           listeners: dict | None = None, **fields) -> Alert | None:
    """Write the alert unless this rule × area × key has one already. ``listeners``: a batch's
    cache of who hears of an alert, per town (see :func:`_tell`)."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(rule=rule, kind=rule.kind, area=area, area_path=area.path, window_key=key,
                                         title=title[:120], observed_at=observed_at, **fields)
    except IntegrityError:
        return None
    told = _tell(alert, {} if listeners is None else listeners)
    audit_record(actor=None, action="alert.raise", obj=alert,
                 data={"rule": rule.pk, "kind": rule.kind, "area": area.pk, "key": key, "detail": alert.detail,
                       "notified": told})
    return alert


# Who hears of a new alert in their inbox: the command center of the alert's town (its operators,
# the duty leaders, the commander), or the district's administrators for an alert above the towns.
# A sensor or keyword alert also goes out by SMS to the town's duty leaders and commander.
TOWN_LISTENERS = (Role.TOWN_OPERATOR, Role.DUTY_LEADER, Role.COMMANDER)
URGENT_KINDS = (RuleKind.SENSOR, RuleKind.KEYWORD)


def _tell(alert: Alert, listeners: dict) -> list[int]:
    from jiewang.notifications.services import notify

    parts = [int(x) for x in alert.area_path.strip("/").split("/") if x]
    if len(parts) >= 3:
        where, roles = parts[2], TOWN_LISTENERS
    elif len(parts) == 2:
        where, roles = parts[1], (Role.DISTRICT_ADMIN,)
    else:
        return []
    if where not in listeners:
        listeners[where] = _listeners(where, roles)
    users, by_role = listeners[where]
    if not users:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("New early warning: %(title)s") % {"title": alert.title}
        body = str(RuleKind(alert.kind).label)
    urgent = alert.kind in URGENT_KINDS
    loud = [u for u in users if urgent and by_role[u.pk] & {Role.DUTY_LEADER, Role.COMMANDER}]
    quiet = [u for u in users if u not in loud]
    notify(users=quiet, kind="warning.alert", title=title, body=body, url="/command/")
    notify(users=loud, kind="warning.alert", title=title, body=body, url="/command/", sms=True)
    return [u.pk for u in users]


def _listeners(where: int, roles) -> tuple[list, dict[int, set]]:
    """The active users holding one of ``roles`` on the area ``where``, and their roles there."""
    from jiewang.accounts.models import RoleGrant, User

    grants = RoleGrant.objects.active().filter(area_id=where, role__in=roles).values_list("user_id", "role")
    by_role: dict[int, set] = {}
    for uid, role in grants:
        by_role.setdefault(uid, set()).add(role)
    return list(User.objects.filter(pk__in=by_role, is_active=True).order_by("id")), by_role


class _Rules:
    """The enabled rules of one run, by kind, with their categories resolved."""

    def __init__(self):
        self.by_kind: dict[str, list[WarningRule]] = {}
        self._at: dict[tuple[str, str], list[WarningRule]] = {}  # (kind, rule's area path) → rules
        cats = {}
        rules = list(WarningRule.objects.filter(enabled=True).select_related("area"))
        codes = {r.params.get("category") for r in rules if r.params.get("category")}
        if codes:
            cats = dict(MatterCategory.objects.filter(code__in=codes).values_list("code", "id"))
        for r in rules:
            r.category_id = cats.get(r.params.get("category"))
            self.by_kind.setdefault(r.kind, []).append(r)
            self._at.setdefault((r.kind, r.area_path), []).append(r)

    def of(self, kind: str, path: str) -> list[WarningRule]:
        """The rules of ``kind`` over an area on ``path`` (those of its ancestors first, as ordered)."""
        out: list[WarningRule] = []
        end = path.find("/", 1)
        while end != -1:
            out += self._at.get((kind, path[:end + 1]), ())
            end = path.find("/", end + 1)
        return out


# ---- event rules -----------------------------------------------------------------------------
#
# A batch of events is evaluated as the events would be one by one, in id order (each against its
# rules, kind by kind), but what the rules count is read once per batch (:class:`_Batch`): the
# events of the rules' categories in the grids concerned over the batch's windows, the events
# around the batch's points for the repeat rules, and the rules' recent alerts; each event's window
# is then cut from those rows in memory (the same rows its own queries would return: any event in
# the database, of any id, reported within the window). An alert raised in the batch joins the
# rules' recent alerts at once, so a later event of the batch sees it as it would in a later batch.

def _window(rows: list[tuple], start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """The rows (sorted by time, ``(at, id, …)``) with ``start < at <= end``."""
    lo = bisect.bisect_right(rows, start, key=_first)
    hi = bisect.bisect_right(rows, end, key=_first)
    return rows[lo:hi]


def _first(row):
    return row[0]


class _Batch:
    """What the event rules read for one batch, read once (see above), and the batch's caches:
    the areas (by id, each once), the keyword rules' words, who hears of an alert per town."""

    CHUNK = 500  # ids per IN (…)
    TILE_DEG = 0.1  # the repeat rules' candidates are read per tile of the batch's points

    def __init__(self, plan: list[tuple], areas: _Areas):
        self.areas = areas
        self.words = areas.words
        self.listeners: dict = {}
        self.grid_rows: dict[tuple[int, int], list[tuple]] = {}  # (grid, category) → [(at, id)] by time
        self.near_rows: dict[tuple, dict[int, list[tuple]]] = {}  # tile → category → [(lat, lon, at, id)] by lat
        self.recent: dict[int, list[tuple]] = {}  # rule → [(area, observed_at, grids, lon, lat)]
        self._read_grids(plan)
        self._read_near(plan)
        self._read_alerts(plan)

    def _read_grids(self, plan):
        need: set[int] = set()
        cats: set[int] = set()
        lo = hi = None
        for e, kind, rule in plan:
            if kind not in (RuleKind.CLUSTER, RuleKind.HOTSPOT) or e.grid_id is None \
                    or e.category_id != rule.category_id:
                continue
            need.add(e.grid_id)
            if kind == RuleKind.HOTSPOT:
                need.update(adjacency.neighbours(e.grid_id, rule.params["distance_m"], revision=self.areas.revision))
            cats.add(e.category_id)
            start = e.reported_at - dt.timedelta(hours=rule.params["hours"])
            lo = start if lo is None or start < lo else lo
            hi = e.reported_at if hi is None or e.reported_at > hi else hi
        if not need:
            return
        grids = sorted(need)
        rows: dict[tuple[int, int], list[tuple]] = {}
        for i in range(0, len(grids), self.CHUNK):
            for pk, grid, cat, at in Event.objects.filter(
                    grid_id__in=grids[i:i + self.CHUNK], category_id__in=sorted(cats), reported_at__gt=lo,
                    reported_at__lte=hi).values_list("id", "grid_id", "category_id", "reported_at"):
                rows.setdefault((grid, cat), []).append((at, pk))
        for v in rows.values():
            v.sort()
        self.grid_rows = rows

    def in_grids(self, grids, category_id, start, end) -> list[tuple[int, int]]:
        """(id, grid) of the events of the category in ``grids`` reported in (start, end], by id."""
        out = []
        for g in grids:
            out.extend((pk, g) for _at_, pk in _window(self.grid_rows.get((g, category_id), []), start, end))
        out.sort()
        return out

    def _tile(self, lon, lat) -> tuple[int, int]:
        return (math.floor(lon / self.TILE_DEG), math.floor(lat / self.TILE_DEG))

    def _read_near(self, plan):
        tiles: dict[tuple, list] = {}  # tile → [min lon, max lon, min lat, max lat, start, end, cats]
        for e, kind, rule in plan:
            if kind != RuleKind.REPEAT or e.lon is None or e.category_id != rule.category_id:
                continue
            dlat, dlon = _reach(rule, e)
            start = e.reported_at - dt.timedelta(days=rule.params["days"])
            t = tiles.get(self._tile(e.lon, e.lat))
            if t is None:
                tiles[self._tile(e.lon, e.lat)] = [e.lon - dlon, e.lon + dlon, e.lat - dlat, e.lat + dlat, start,
                                                   e.reported_at, {e.category_id}]
                continue
            t[0], t[1] = min(t[0], e.lon - dlon), max(t[1], e.lon + dlon)
            t[2], t[3] = min(t[2], e.lat - dlat), max(t[3], e.lat + dlat)
            t[4], t[5] = min(t[4], start), max(t[5], e.reported_at)
            t[6].add(e.category_id)
        for key, (lon0, lon1, lat0, lat1, start, end, cats) in tiles.items():
            by_cat: dict[int, list[tuple]] = {}
            for pk, cat, lon, lat, at in Event.objects.filter(
                    category_id__in=sorted(cats), reported_at__gt=start, reported_at__lte=end,
                    lon__range=(lon0, lon1), lat__range=(lat0, lat1)).values_list("id", "category_id", "lon", "lat",
                                                                                  "reported_at"):
                by_cat.setdefault(cat, []).append((lat, lon, at, pk))
            for v in by_cat.values():
                v.sort(key=_first)
            self.near_rows[key] = by_cat

    def near(self, e, rule, start) -> list[tuple[int, float, float]]:
        """(id, lon, lat) of the events of ``e``'s category within the rule's box around ``e``,
        reported in (start, e.reported_at], by id — what the repeat rule's query returns."""
        dlat, dlon = _reach(rule, e)
        rows = self.near_rows.get(self._tile(e.lon, e.lat), {}).get(e.category_id, [])
        lat0, lat1, lon0, lon1 = e.lat - dlat, e.lat + dlat, e.lon - dlon, e.lon + dlon
        lo = bisect.bisect_left(rows, lat0, key=_first)
        out = []
        for lat, lon, at, pk in rows[lo:]:
            if lat > lat1:
                break
            if lon0 <= lon <= lon1 and start < at <= e.reported_at:
                out.append((pk, lon, lat))
        out.sort()
        return out

    def _read_alerts(self, plan):
        first: dict[int, tuple] = {}  # rule → (rule, its earliest event in the batch)
        for e, kind, rule in plan:
            if kind != RuleKind.KEYWORD and (rule.pk not in first or e.reported_at < first[rule.pk][1]):
                first[rule.pk] = (rule, e.reported_at)
        if not first:
            return
        q = Q()
        for pk, (rule, at) in first.items():
            span = dt.timedelta(days=rule.params["days"]) if rule.kind == RuleKind.REPEAT else \
                dt.timedelta(hours=rule.params["hours"])
            q |= Q(rule_id=pk, observed_at__gt=at - span)
            self.recent[pk] = []
        for rule_id, area_id, at, detail, lon, lat in Alert.objects.filter(q).order_by("id").values_list(
                "rule_id", "area_id", "observed_at", "detail", "lon", "lat"):
            self.recent[rule_id].append((area_id, at, set((detail or {}).get("grids", ())), lon, lat))

    def alerts(self, rule, start) -> list[tuple]:
        """(area, observed_at, grids, lon, lat) of the rule's alerts observed after ``start``."""
        return [a for a in self.recent.get(rule.pk, ()) if a[1] > start]

    def raised(self, alert: Alert | None) -> Alert | None:
        if alert is not None and alert.rule_id in self.recent:
            self.recent[alert.rule_id].append((alert.area_id, alert.observed_at,
                                               set((alert.detail or {}).get("grids", ())), alert.lon, alert.lat))
        return alert


def _reach(rule, e) -> tuple[float, float]:
    """The repeat rule's box around ``e``: half its height and width in degrees."""
    radius = rule.params["radius_m"]
    return radius / M_PER_DEG_LAT, radius / (111_320.0 * max(math.cos(math.radians(e.lat)), 0.01))


def _cluster(rule, e, batch: _Batch) -> Alert | None:
    if e.grid_id is None or e.category_id != rule.category_id:
        return None
    window = dt.timedelta(hours=rule.params["hours"])
    start = e.reported_at - window
    ids = [pk for pk, _g in batch.in_grids((e.grid_id,), e.category_id, start, e.reported_at)]
    if len(ids) < rule.params["count"]:
        return None
    if any(area == e.grid_id for area, *_ in batch.alerts(rule, start)):
        return None  # this cluster (or one overlapping it) alerted already
    grid = batch.areas(e.grid_id)
    return batch.raised(_raise(
        rule=rule, area=grid, key=_bucket(e.reported_at, window.total_seconds()), listeners=batch.listeners,
        title=_t("%(area)s: %(n)s events of one kind within %(hours)s hours", area=grid.name, n=len(ids),
                 hours=f"{rule.params['hours']:g}"),
        observed_at=e.reported_at, category_id=e.category_id, lon=e.lon, lat=e.lat, event_ids=ids,
        detail={"count": len(ids), "hours": rule.params["hours"], "grid": e.grid_id}))


def _common_area(ids: list[int], areas) -> Area:
    paths = [areas(i).path.strip("/").split("/") for i in ids]
    common = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return areas(int(common[-1]))


def _hotspot(rule, e, batch: _Batch) -> Alert | None:
    if e.grid_id is None or e.category_id != rule.category_id:
        return None
    areas = batch.areas
    grids = {e.grid_id, *adjacency.neighbours(e.grid_id, rule.params["distance_m"], revision=areas.revision)}
    window = dt.timedelta(hours=rule.params["hours"])
    start = e.reported_at - window
    rows = batch.in_grids(sorted(grids), e.category_id, start, e.reported_at)
    involved = sorted({g for _, g in rows})
    if len(rows) < rule.params["count"] or len(involved) < 2:
        return None
    for _area, _when, prior, _lon, _lat in batch.alerts(rule, start):
        if prior & set(involved):
            return None  # the same hot spot alerted already
    area = _common_area(involved, areas)
    names = "、".join(areas(g).name for g in involved)
    return batch.raised(_raise(
        rule=rule, area=area, key=_bucket(e.reported_at, window.total_seconds()), listeners=batch.listeners,
        title=_t("Hot spot: %(area)s, %(n)s events of one kind within %(hours)s hours", area=names, n=len(rows),
                 hours=f"{rule.params['hours']:g}"),
        observed_at=e.reported_at, category_id=e.category_id, lon=e.lon, lat=e.lat,
        event_ids=[i for i, _ in rows],
        detail={"count": len(rows), "hours": rule.params["hours"], "grids": involved}))


def _repeat(rule, e, batch: _Batch) -> Alert | None:
    if e.lon is None or e.category_id != rule.category_id:
        return None
    radius = rule.params["radius_m"]
    start = e.reported_at - dt.timedelta(days=rule.params["days"])
    ids = [i for i, lo, la in batch.near(e, rule, start) if metres(e.lon, e.lat, lo, la) <= radius]
    if len(ids) < rule.params["count"]:
        return None
    for _area, _when, _grids, lo, la in batch.alerts(rule, start):
        if lo is not None and metres(e.lon, e.lat, lo, la) <= radius:
            return None  # this place alerted already within the window
    area = batch.areas(e.grid_id or e.town_id)
    return batch.raised(_raise(
        rule=rule, area=area, key=f"e{ids[0]}", listeners=batch.listeners,
        title=_t("Repeated reports: %(title)s (%(n)s times within %(days)s days)", title=e.title, n=len(ids),
                 days=f"{rule.params['days']:g}"),
        observed_at=e.reported_at, category_id=e.category_id, lon=e.lon, lat=e.lat, event_ids=ids,
        detail={"count": len(ids), "days": rule.params["days"], "radius_m": radius}))


def _keyword(rule, e, batch: _Batch) -> Alert | None:
    tokens = getattr(e, "_tokens", None)
    if tokens is None:  # cut once per event, with every keyword rule's words known
        e._tokens = tokens = set(segment(f"{e.title}\n{e.description}", batch.words))
    found = sorted(tokens & set(rule.params["words"]))
    if not found:
        return None
    area = batch.areas(e.grid_id or e.town_id)
    return _raise(rule=rule, area=area, key=f"event:{e.pk}", listeners=batch.listeners,
                  title=_t("Keywords (%(words)s): %(title)s", words="、".join(found), title=e.title),
                  observed_at=e.reported_at, category_id=e.category_id, lon=e.lon, lat=e.lat, event_ids=[e.pk],
                  detail={"words": found, "event": e.number})


EVENT_RULES = {RuleKind.CLUSTER: _cluster, RuleKind.HOTSPOT: _hotspot, RuleKind.REPEAT: _repeat,
               RuleKind.KEYWORD: _keyword}
EVENT_FIELDS = ("id", "number", "grid_id", "town_id", "area_path", "category_id", "lon", "lat", "reported_at",
                "title", "description")


class _Areas:
    """The areas one run reads (by id, each once), and the words of its keyword rules."""

    def __init__(self, words=()):
        self.cache: dict[int, Area] = {}
        self.words = sorted(set(words))
        self._revision = None

    @property
    def revision(self) -> int:
        """The boundary revision, read once per run (the neighbours are cached per revision)."""
        if self._revision is None:
            self._revision = BoundaryRevision.current()
        return self._revision

    def __call__(self, pk: int) -> Area:
        if pk not in self.cache:
            self.cache[pk] = Area.objects.get(pk=pk)
        return self.cache[pk]


def _cursor(name: str) -> WarningCursor:
    WarningCursor.objects.get_or_create(name=name)
    return WarningCursor.objects.select_for_update().get(name=name)


def _next_rows(cursor: WarningCursor, qs, limit: int) -> list:
    """The rows past the cursor (up to ``limit``) and those of its gaps that have appeared since."""
    rows = list(qs.filter(id__gt=cursor.last_id).order_by("id")[:limit])
    waiting = [g[0] for g in cursor.gaps]
    late = list(qs.filter(id__in=waiting).order_by("id")) if waiting else []
    return late + rows


def _advance(cursor: WarningCursor, rows: list) -> None:
    """Move the cursor past ``rows``, remembering the ids skipped (see ``WarningCursor.gaps``)."""
    now = time.time()
    seen = {r.id for r in rows}
    top = max([cursor.last_id, *seen])
    gaps = [g for g in cursor.gaps if g[0] not in seen and now - g[1] < GAP_SECONDS]
    if top - cursor.last_id <= MAX_GAPS:
        gaps += [[i, now] for i in range(cursor.last_id + 1, top) if i not in seen]
    WarningCursor.objects.filter(pk=cursor.pk).update(last_id=top, gaps=gaps[-MAX_GAPS:], updated_at=timezone.now())


def evaluate_events(limit: int = BATCH) -> list[Alert]:
    """Evaluate the next batch of new events against the event rules; returns the alerts raised."""
    raised: list[Alert] = []
    with transaction.atomic():
        cursor = _cursor("events")
        events = _next_rows(cursor, Event.objects.only(*EVENT_FIELDS), limit)
        if not events:
            return raised
        rules = _Rules()
        areas = _Areas(w for r in rules.by_kind.get(RuleKind.KEYWORD, ()) for w in r.params["words"])
        oldest = timezone.now() - EVENT_MAX_AGE
        # each event (not a backdated import of history: counted in windows, never a trigger)
        # against its rules, kind by kind, in id order; what they count read once for the batch
        plan = [(e, kind, rule) for e in events if e.reported_at >= oldest
                for kind in EVENT_RULES for rule in rules.of(kind, e.area_path)]
        batch = _Batch(plan, areas)
        for e, kind, rule in plan:
            alert = EVENT_RULES[kind](rule, e, batch)
            if alert is not None:
                raised.append(alert)
        _advance(cursor, events)
    return raised


# ---- readings --------------------------------------------------------------------------------

def _sensor(rule, r: SensorReading, device: Device) -> Alert | None:
    p = rule.params
    if r.kind != p["reading"] or not r.value > p["threshold"]:
        return None
    quiet = dt.timedelta(hours=p["quiet_hours"])
    if Alert.objects.filter(rule=rule, device=device, observed_at__gt=r.measured_at - quiet).exists():
        return None
    cat = rule.category_id
    return _raise(rule=rule, area=device.area, key=f"d{device.pk}:{_bucket(r.measured_at, quiet.total_seconds())}",
                  title=_t("%(device)s: %(kind)s %(value)s over the threshold %(threshold)s", device=device.name,
                           kind=ReadingKind(r.kind).label, value=f"{r.value:g}", threshold=f"{p['threshold']:g}"),
                  observed_at=r.measured_at, category_id=cat, lon=device.lon, lat=device.lat, device=device,
                  detail={"reading": r.kind, "value": r.value, "threshold": p["threshold"], "reading_id": r.pk})


def evaluate_readings(limit: int = BATCH * 5) -> list[Alert]:
    raised: list[Alert] = []
    with transaction.atomic():
        cursor = _cursor("readings")
        readings = _next_rows(cursor, SensorReading.objects.select_related("device__area"), limit)
        if not readings:
            return raised
        rules = _Rules()
        for r in readings:
            for rule in rules.of(RuleKind.SENSOR, r.device.area_path):
                alert = _sensor(rule, r, r.device)
                if alert is not None:
                    raised.append(alert)
        _advance(cursor, readings)
    return raised


# ---- trend -----------------------------------------------------------------------------------

def _dispatched(start, end) -> list[tuple]:
    """(path, dispatched at, department, post, overdue) of every assignment dispatched in [start,
    end): one read of the assignments, then their overdue clocks by their events (indexed), not a
    subquery per assignment."""
    from jiewang.dispatching.models import Assignment

    rows = list(Assignment.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end).values_list(
        "pk", "event_id", "event__area_path", "dispatched_at", "department_id", "post_id"))
    events = sorted({r[1] for r in rows})
    late: set[int] = set()
    for i in range(0, len(events), 500):
        late.update(Deadline.objects.filter(event_id__in=events[i:i + 500], subject_type="assignment",
                                            overdue_at__isnull=False).values_list("subject_id", flat=True))
    return [(path, at, dept, post, pk in late) for pk, _e, path, at, dept, post in rows]


def _rates(rule, start, end, rows) -> dict[tuple[str, int], tuple[int, int]]:
    """(target kind, id) -> (assignments dispatched in [start, end) on events under the rule's
    area, of which overdue), from the rows of :func:`_dispatched`."""
    counts: dict[tuple[str, int], list[int]] = {}
    for path, at, dept, post, late in rows:
        if not (start <= at < end and path.startswith(rule.area_path)):
            continue
        for key in (("department", dept), ("post", post)):
            if key[1] is not None:
                c = counts.setdefault(key, [0, 0])
                c[0] += 1
                c[1] += late
    return {k: (n, late) for k, (n, late) in counts.items()}


def evaluate_trend(now: dt.datetime | None = None) -> list[Alert]:
    """A department's or post's overdue rate over the last 7 days above the 7 days before by
    ``points`` percentage points (with at least ``min_assignments`` assignments this week)."""
    now = now or timezone.now()
    week = dt.timedelta(days=7)
    raised = []
    rules = [r for r in WarningRule.objects.filter(enabled=True, kind=RuleKind.TREND).select_related("area")]
    rows = _dispatched(now - 2 * week, now) if rules else []
    for rule in rules:
        cur, prev = _rates(rule, now - week, now, rows), _rates(rule, now - 2 * week, now - week, rows)
        for (target, pk), (n, late) in sorted(cur.items()):
            if n < rule.params["min_assignments"]:
                continue
            rate = 100.0 * late / n
            pn, plate = prev.get((target, pk), (0, 0))
            prev_rate = 100.0 * plate / pn if pn else 0.0
            if rate - prev_rate < rule.params["points"]:
                continue
            if Alert.objects.filter(rule=rule, **{f"{target}_id": pk}, state__in=["open", "acknowledged"]).exists():
                continue
            year, wk, _ = now.isocalendar()
            label = _target_name(target, pk)
            a = _raise(rule=rule, area=rule.area, key=f"{target}:{pk}:{year}-W{wk:02d}",
                       title=_t("Overdue rate rising: %(name)s %(before)s%% → %(now)s%%", name=label,
                                before=f"{prev_rate:.0f}", now=f"{rate:.0f}"), observed_at=now,
                       **{f"{target}_id": pk},
                       detail={"target": target, "rate": round(rate, 1), "previous_rate": round(prev_rate, 1),
                               "assignments": n, "overdue": late, "previous_assignments": pn})
            if a is not None:
                raised.append(a)
    return raised


def _target_name(target: str, pk: int) -> str:
    from jiewang.accounts.models import Department, Post

    model = Department if target == "department" else Post
    return str(model.objects.filter(pk=pk).values_list("name", flat=True).first() or pk)


# ---- the worker's jobs -----------------------------------------------------------------------

def run_periodic() -> dict[str, int]:
    """``warning.evaluate``: every batch of new events and readings (a few batches per run)."""
    done = {"events": 0, "readings": 0}
    for _ in range(10):
        a, b = evaluate_events(), evaluate_readings()
        done["events"] += len(a)
        done["readings"] += len(b)
        if not WarningCursor.objects.filter(name="events", last_id__lt=_max_id(Event)).exists() and \
                not WarningCursor.objects.filter(name="readings", last_id__lt=_max_id(SensorReading)).exists():
            break
    return done


def _max_id(model) -> int:
    return model.objects.order_by("-id").values_list("id", flat=True).first() or 0


def run_trend() -> int:
    return len(evaluate_trend())
