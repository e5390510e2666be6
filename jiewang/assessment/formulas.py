"""The registry of formula functions (公式). Each computes, from raw rows, a numerator and a
denominator per member of a population: ``fn(ctx, population, excluded) -> {member_id: (num, den)}``
where ``excluded`` is the set of event ids that an approved exclusion removes from this indicator.
Indicators (rows of :class:`~jiewang.assessment.models.Indicator`) name one of these by key. The
exact definitions are in ``docs/assessment.md``; keep the two in step.

Attribution of an event to a member: a town, community or grid by the event's own ``town``,
``community``, ``grid`` (kept as at report time); a department or post by the event's lead
assignment (主办: not withdrawn or returned), to a board (板块) by the lead post's board; a grid worker by the event's reporter.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from jiewang.areas.models import Area
from jiewang.dispatching.models import Assignment, ExtensionRequest, ExtensionStatus, SummonsStatus, WhistleSummons
from jiewang.events.choices import EventChannel, EventSource, EventStatus, Satisfaction
from jiewang.events.models import Deadline, DeadlineState, Event, EventActivity

from .choices import Population
from .columns import Columns
from .rounding import round_half_up

# An assignment's column naming the member of each unit population (a board through its post).
UNIT_COLUMN = {Population.DEPARTMENT: "department_id", Population.POST: "post_id", Population.BOARD: "post__board_id"}
OPEN_CLOCK = ("running", "warned", "overdue")
# Statuses of an event that is being worked on after acceptance (not shelved: 挂账 leaves the
# denominators, as the standard has it).
WORKING = (EventStatus.ACCEPTED, EventStatus.DISPATCHED, EventStatus.HANDLING, EventStatus.FEEDBACK)
PUBLIC_CHANNELS = (EventChannel.RESIDENT_WEB, EventChannel.OPEN311, EventChannel.HOTLINE)
EVENT_POPULATIONS = frozenset(Population.values)
REGIONS = frozenset({Population.TOWN, Population.COMMUNITY, Population.GRID})
UNITS = frozenset({Population.DEPARTMENT, Population.BOARD, Population.POST})


@dataclass
class Context:
    """What a computation is over: the events of ``area_path``'s subtree, the period
    [``start``, ``end``). ``frame``: the same period's rows read once for a whole city
    (:class:`Frame`), when many areas are computed in a row; the numbers are the same."""

    area_path: str
    start: dt.datetime
    end: dt.datetime
    _cache: dict = field(default_factory=dict)
    frame: Frame | None = None
    area_id: int | None = None

    def events(self):
        return Event.objects.filter(area_path__startswith=self.area_path, duplicate_of__isnull=True)

    def cached(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]


@dataclass(frozen=True)
class Formula:
    key: str
    fn: Callable
    populations: frozenset
    description: str


FORMULAS: dict[str, Formula] = {}


def formula(key: str, populations, description: str):
    def wrap(fn):
        FORMULAS[key] = Formula(key, fn, frozenset(populations), description)
        return fn
    return wrap


# ---- attribution -----------------------------------------------------------------------------

def owners(ctx: Context, population: str, event_ids) -> dict[int, list[int]]:
    """event id → the member ids it counts for in ``population``."""
    ids = list(set(event_ids))
    out: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return out
    if ctx.frame is not None and all(e in ctx.frame.cols for e in ids):  # else: events the frame did not read
        return ctx.frame.owners(population, ids)
    if population in REGIONS or population == Population.GRID_WORKER:
        column = {"town": "town_id", "community": "community_id", "grid": "grid_id",
                  "grid_worker": "reporter_id"}[population]
        for chunk in _chunks(ids):
            for eid, member in Event.objects.filter(pk__in=chunk).values_list("pk", column):
                if member is not None:
                    out[eid].append(member)
        return out
    column = UNIT_COLUMN[population]
    for chunk in _chunks(ids):
        rows = Assignment.objects.filter(event_id__in=chunk, role="lead").exclude(
            status__in=["withdrawn", "returned"]).values_list("event_id", column)
        for eid, member in rows:
            if member is not None and member not in out[eid]:
                out[eid].append(member)
    return out


def _chunks(ids, size=500):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def tally(ctx, population, den_ids, num_ids, excluded, weights=None) -> dict[int, tuple[float, float]]:
    """Count events per member: denominators over ``den_ids``, numerators over ``num_ids`` (a
    subset), ``weights`` optionally giving a numerator weight per event (default 1)."""
    den_ids = [e for e in den_ids if e not in excluded]
    own = _owner_map(ctx, population, den_ids)
    num_set = set(num_ids)
    weights = weights or {}
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for eid in den_ids:
        for member in own.get(eid, ()):
            result[member][1] += 1
            if eid in num_set:
                result[member][0] += weights.get(eid, 1.0)
    return {m: (n, d) for m, (n, d) in result.items()}


def _owner_map(ctx, population, ids):
    """event id → its members in ``population``: the frame's map of every event it read (made once
    per population), else :func:`owners`."""
    if ctx.frame is not None:
        own = ctx.frame.owner_map(population)
        if all(e in own for e in ids):
            return own
    return owners(ctx, population, ids)


def late_q(end: dt.datetime) -> Q:
    """A clock that missed its due moment before ``end``: marked overdue, met after it was due,
    or still open past it."""
    return (Q(overdue_at__isnull=False, overdue_at__lt=end)
            | Q(state=DeadlineState.MET, closed_at__gt=F("due_at"))
            | Q(state__in=OPEN_CLOCK, due_at__lt=end))


def closed_ids(ctx: Context) -> list[int]:
    if ctx.frame is not None:
        return ctx.frame.closed.get(ctx.area_id, [])
    return ctx.cached("closed", lambda: list(ctx.events().filter(
        closed_at__gte=ctx.start, closed_at__lt=ctx.end).exclude(status=EventStatus.VOIDED).values_list("pk", flat=True)))


def open_working_ids(ctx: Context) -> list[int]:
    """Events accepted before the end, not closed by then, being worked on (not shelved or voided)."""
    if ctx.frame is not None:
        return ctx.frame.open.get(ctx.area_id, [])
    return ctx.cached("open", lambda: list(ctx.events().filter(accepted_at__lt=ctx.end, status__in=WORKING).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=ctx.end)).values_list("pk", flat=True)))


def late_handle_ids(ctx: Context, ids) -> set[int]:
    if ctx.frame is not None:
        late = ctx.frame.late
        return {e for e in ids if e in late}
    ids = list(ids)
    out: set[int] = set()
    for chunk in _chunks(ids):
        out.update(Deadline.objects.filter(event_id__in=chunk, kind="handle").filter(late_q(ctx.end))
                   .values_list("event_id", flat=True))
    return out


# ---- event formulas --------------------------------------------------------------------------

@formula("closed_on_time", EVENT_POPULATIONS, "按期办结: closed in the period with no late handling clock / closed in the period")
def closed_on_time(ctx, population, excluded):
    closed = closed_ids(ctx)
    late = late_handle_ids(ctx, closed)
    return tally(ctx, population, closed, [e for e in closed if e not in late], excluded)


@formula("closure_rate", EVENT_POPULATIONS, "结案/处置: closed in the period / (closed in the period + open and overdue at its end)")
def closure_rate(ctx, population, excluded):
    closed = closed_ids(ctx)
    open_ = open_working_ids(ctx)
    overdue_open = late_handle_ids(ctx, open_)
    return tally(ctx, population, closed + [e for e in open_ if e in overdue_open], closed, excluded)


@formula("rework_rate", EVENT_POPULATIONS, "返工: closed in the period after at least one rework / closed in the period")
def rework_rate(ctx, population, excluded):
    closed = closed_ids(ctx)
    if ctx.frame is not None:
        reworked = {e for e in closed if e in ctx.frame.reworked}
    else:
        reworked = set(Event.objects.filter(pk__in=closed, rework_count__gt=0).values_list("pk", flat=True))
    return tally(ctx, population, closed, reworked, excluded)


@formula("overdue_rate", EVENT_POPULATIONS, "超期: (closed in the period or open at its end) with a late handling clock / those events")
def overdue_rate(ctx, population, excluded):
    base = closed_ids(ctx) + open_working_ids(ctx)
    return tally(ctx, population, base, late_handle_ids(ctx, base), excluded)


@formula("extension_rate", EVENT_POPULATIONS, "延期: closed in the period with an approved extension / closed in the period")
def extension_rate(ctx, population, excluded):
    closed = closed_ids(ctx)
    if ctx.frame is not None:
        extended = {e for e in closed if e in ctx.frame.extended}
    else:
        extended = set(ExtensionRequest.objects.filter(event_id__in=closed, status=ExtensionStatus.APPROVED)
                       .values_list("event_id", flat=True))
    return tally(ctx, population, closed, extended, excluded)


@formula("public_report_rate", REGIONS, "监督举报: accepted in the period from residents' channels (complaints) / accepted in the period")
def public_report_rate(ctx, population, excluded):
    if ctx.frame is not None:
        rows = ctx.frame.accepted.get(ctx.area_id, [])
        public = [e for e, channel, source in rows if channel in PUBLIC_CHANNELS and source == EventSource.COMPLAINT]
        return tally(ctx, population, [r[0] for r in rows], public, excluded)
    qs = ctx.events().filter(accepted_at__gte=ctx.start, accepted_at__lt=ctx.end)
    den = list(qs.values_list("pk", flat=True))
    num = qs.filter(channel__in=PUBLIC_CHANNELS, source=EventSource.COMPLAINT).values_list("pk", flat=True)
    return tally(ctx, population, den, num, excluded)


@formula("valid_report_rate", {Population.GRID_WORKER}, "有效上报: patrol reports in the period not voided / patrol reports in the period")
def valid_report_rate(ctx, population, excluded):
    if ctx.frame is not None:
        rows = ctx.frame.patrol.get(ctx.area_id, [])
        return tally(ctx, population, [r[0] for r in rows], [e for e, status in rows if status != EventStatus.VOIDED],
                     excluded)
    qs = ctx.events().filter(channel=EventChannel.PATROL, reported_at__gte=ctx.start, reported_at__lt=ctx.end)
    den = list(qs.values_list("pk", flat=True))
    num = qs.exclude(status=EventStatus.VOIDED).values_list("pk", flat=True)
    return tally(ctx, population, den, num, excluded)


# ---- return visits (回访) ---------------------------------------------------------------------

def visits(ctx: Context, hotline_only: bool) -> list[tuple[int, dict]]:
    """Each return visit or rating in the period: (event id, its recorded data)."""
    if ctx.frame is not None:
        return [(e, d) for e, d, hotline in ctx.frame.visits.get(ctx.area_id, []) if hotline or not hotline_only]
    qs = EventActivity.objects.filter(action__in=["visit", "rate"], at__gte=ctx.start, at__lt=ctx.end,
                                      event__area_path__startswith=ctx.area_path,
                                      event__duplicate_of__isnull=True)
    if hotline_only:
        qs = qs.filter(event__channel=EventChannel.HOTLINE)
    return list(qs.order_by("id").values_list("event_id", "data"))


def visit_tally(ctx, population, excluded, rows, score: Callable[[dict], float]):
    rows = [(e, d) for e, d in rows if e not in excluded]
    own = _owner_map(ctx, population, [e for e, _ in rows])
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for eid, data in rows:
        for member in own.get(eid, ()):
            result[member][0] += score(data)
            result[member][1] += 1
    return {m: (round_half_up(n, 6), d) for m, (n, d) in result.items()}


def _sat(data) -> str:
    return (data or {}).get("satisfaction") or ""


@formula("satisfaction", EVENT_POPULATIONS, "满意: ratings 满意 or 基本满意 / ratings in the period (a visit that reached no one is not a rating)")
def satisfaction(ctx, population, excluded):
    rows = [(e, d) for e, d in visits(ctx, False) if _sat(d)]
    return visit_tally(ctx, population, excluded, rows,
                       lambda d: 1.0 if _sat(d) in (Satisfaction.SATISFIED, Satisfaction.BASICALLY) else 0.0)


@formula("hotline_response", EVENT_POPULATIONS, "12345 响应率: visits that reached the caller / valid return visits of hotline events")
def hotline_response(ctx, population, excluded):
    return visit_tally(ctx, population, excluded, visits(ctx, True), lambda d: 1.0 if d.get("contacted") else 0.0)


@formula("hotline_resolution", EVENT_POPULATIONS, "12345 解决率: visits saying resolved / valid return visits of hotline events")
def hotline_resolution(ctx, population, excluded):
    return visit_tally(ctx, population, excluded, visits(ctx, True), lambda d: 1.0 if d.get("resolved") else 0.0)


@formula("hotline_satisfaction", EVENT_POPULATIONS, "12345 满意率: (满意 + 0.9 × 基本满意) / valid return visits of hotline events")
def hotline_satisfaction(ctx, population, excluded):
    weights = {Satisfaction.SATISFIED: 1.0, Satisfaction.BASICALLY: 0.9}
    return visit_tally(ctx, population, excluded, visits(ctx, True), lambda d: weights.get(_sat(d), 0.0))


# ---- assignments and whistles ------------------------------------------------------------------

@formula("sign_on_time", UNITS, "按时签收: sign-for clocks started in the period and met in time / those met or missed")
def sign_on_time(ctx, population, excluded):
    if ctx.frame is not None:
        result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
        index = {Population.DEPARTMENT: 0, Population.POST: 1, Population.BOARD: 2}[population]
        for late, eid, owners_ in ctx.frame.sign.get(ctx.area_id, []):
            member = owners_[index]
            if eid in excluded or member is None:
                continue
            result[member][1] += 1
            if not late:
                result[member][0] += 1
        return {m: (n, d) for m, (n, d) in result.items()}
    clocks = Deadline.objects.filter(kind="sign", subject_type="assignment", started_at__gte=ctx.start,
                                     started_at__lt=ctx.end, event__area_path__startswith=ctx.area_path)
    late = set(clocks.filter(late_q(ctx.end)).values_list("pk", flat=True))
    rows = [(pk, sid, eid) for pk, sid, eid in clocks.filter(Q(state=DeadlineState.MET) | Q(pk__in=late))
            .values_list("pk", "subject_id", "event_id") if eid not in excluded]
    column = UNIT_COLUMN[population]
    who = dict(Assignment.objects.filter(pk__in=[r[1] for r in rows]).values_list("pk", column))
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pk, sid, _eid in rows:
        member = who.get(sid)
        if member is None:
            continue
        result[member][1] += 1
        if pk not in late:
            result[member][0] += 1
    return {m: (n, d) for m, (n, d) in result.items()}


def _summonses(ctx, excluded) -> list[tuple]:
    """(department, status, rating) of the summonses of whistles blown in the period, less those
    on excluded events."""
    if ctx.frame is not None:
        return [(d, s, r) for d, s, r, e in ctx.frame.summonses.get(ctx.area_id, ()) if e not in excluded]
    return list(WhistleSummons.objects.filter(whistle__blown_at__gte=ctx.start, whistle__blown_at__lt=ctx.end,
                                              whistle__event__area_path__startswith=ctx.area_path)
                .exclude(whistle__event_id__in=list(excluded)).order_by("pk")
                .values_list("department_id", "status", "rating"))


def _summons_tally(rows) -> dict[int, tuple[float, float]]:
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for member, num, den in rows:
        result[member][0] += num
        result[member][1] += den
    return {m: (n, d) for m, (n, d) in result.items()}


REPORTED = (SummonsStatus.REPORTED_IN, SummonsStatus.LATE)
DECIDED = (SummonsStatus.REPORTED_IN, SummonsStatus.LATE, SummonsStatus.MISSED)


@formula("report_in_rate", {Population.DEPARTMENT}, "报到率: summonses reported in (on time or late) / summonses decided (reported in, late or missed), whistles blown in the period")
def report_in_rate(ctx, population, excluded):
    rows = [(d, s) for d, s, _r in _summonses(ctx, excluded) if s in DECIDED]
    return _summons_tally((d, 1.0 if s in REPORTED else 0.0, 1.0) for d, s in rows)


@formula("report_in_on_time", {Population.DEPARTMENT}, "报到及时率: summonses reported in on time / summonses decided, whistles blown in the period")
def report_in_on_time(ctx, population, excluded):
    rows = [(d, s) for d, s, _r in _summonses(ctx, excluded) if s in DECIDED]
    return _summons_tally((d, 1.0 if s == SummonsStatus.REPORTED_IN else 0.0, 1.0) for d, s in rows)


@formula("summons_rating", {Population.DEPARTMENT}, "双向考核: sum of the summoning level's ratings (1–5) / (5 × ratings), whistles blown in the period")
def summons_rating(ctx, population, excluded):
    rows = [(d, r) for d, _s, r in _summonses(ctx, excluded) if r is not None]
    return _summons_tally((d, float(r), 5.0) for d, r in rows)


def area_name(pk: int) -> str:
    return Area.objects.filter(pk=pk).values_list("name", flat=True).first() or str(pk)


# ---- one read for many runs ------------------------------------------------------------------

_NODES: dict[str, tuple[int, ...]] = {}


def _nodes(path: str, _get=_NODES.get) -> tuple[int, ...]:
    """The area ids on ``path`` (memoized: a city has as many paths as areas)."""
    got = _get(path)
    if got is None:
        if len(_NODES) > 500_000:
            _NODES.clear()
        got = _NODES[path] = tuple(int(p) for p in path.strip("/").split("/") if p)
    return got


def by_node(rows, path_of: Callable, item: Callable = lambda r: r) -> dict[int, list]:
    """Rows grouped under every area node on their path (``path_of(row)``)."""
    out: dict[int, list] = defaultdict(list)
    for r in rows:
        it = item(r)
        for node in _nodes(path_of(r)):
            out[node].append(it)
    return out


def _rating_steps() -> RawSQL:
    """The timeline's return-visit and rating steps, as a condition with its values written in the
    SQL: SQLite uses the partial index ``activity_rating_at_idx`` only for a condition it can match
    to the index's own when preparing the statement, which a bound parameter is not (with
    ``action__in`` it scanned the whole timeline). The same words and order as the index's."""
    table = EventActivity._meta.db_table
    return RawSQL(f'"{table}"."action" IN (\'visit\', \'rate\')', [], output_field=BooleanField())


def _plain_rows(qs) -> list[tuple]:
    """The rows of a ``values_list`` query as the driver returns them, without Django's converter
    per value (a city's month is tens of thousands of rows of ids, strings and flags: the
    converters cost more than the query). The columns come in the SQL's order: the fields, then
    the annotations in the order they were added (the callers list them so); a flag is 0/1 on
    SQLite, a bool on PostgreSQL; JSON is text or decoded, as the driver gives it."""
    from django.db import connections

    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connections[qs.db].cursor() as c:
        c.execute(sql, params)
        return c.fetchall()


def _lead_units(event_ids: list[int], chunk: int = 900):
    """(event, department, post, board) of the lead assignments (主办, not withdrawn or returned)
    of the events, in id order per event: plain SQL in chunks of ids (a city's month is tens of
    thousands of events; the ORM's ``__in`` costs more to prepare than the query to run)."""
    from django.db import connection

    table, post = connection.ops.quote_name(Assignment._meta.db_table), Assignment._meta.get_field("post")
    posts = connection.ops.quote_name(post.related_model._meta.db_table)
    sql = (f"SELECT a.event_id, a.department_id, a.post_id, p.board_id FROM {table} a "
           f"LEFT JOIN {posts} p ON p.id = a.post_id WHERE a.role = 'lead' "
           f"AND a.status NOT IN ('withdrawn', 'returned') AND a.event_id {{}} ORDER BY a.event_id, a.id")
    with connection.cursor() as c:
        if connection.vendor == "postgresql":  # one array parameter: one query, one plan
            c.execute(sql.format("= ANY(%s)"), [list(event_ids)])
            yield from c.fetchall()
            return
        for i in range(0, len(event_ids), chunk):
            part = event_ids[i:i + chunk]
            c.execute(sql.format(f"IN ({', '.join(['%s'] * len(part))})"), part)
            yield from c.fetchall()


class Frame:
    """The rows a period's formulas read, for every area under ``root_path`` at once (the city),
    grouped by area node: computing the month of 1,000 towns and 40 districts then reads each
    table once instead of once per area and formula. Each formula, given a frame, returns exactly
    what its per-area queries return (held equal by the tests and by ``bench.city_bench
    assessment``)."""

    def __init__(self, root_path: str, start: dt.datetime, end: dt.datetime):
        self.root_path, self.start, self.end = root_path, start, end
        events = Event.objects.filter(area_path__startswith=root_path, duplicate_of__isnull=True)

        # One scan of the events for the four sets the formulas count (each selected again below
        # by the same conditions): closed in the period (not voided), open and being worked at its
        # end, accepted in it, reported on patrol in it; with whether a handling clock was late
        # and whether an extension was approved (as columns: no datetimes to convert in Python).
        closed_q = Q(closed_at__gte=start, closed_at__lt=end) & ~Q(status=EventStatus.VOIDED)
        open_q = Q(accepted_at__lt=end, status__in=WORKING) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        accepted_q = Q(accepted_at__gte=start, accepted_at__lt=end)
        patrol_q = Q(channel=EventChannel.PATROL, reported_at__gte=start, reported_at__lt=end)

        def flag(q):  # a condition as a column
            return ExpressionWrapper(q, output_field=BooleanField())

        late = flag(Exists(Deadline.objects.filter(event=OuterRef("pk"), kind="handle").filter(late_q(end))))
        extended = flag(Exists(ExtensionRequest.objects.filter(event=OuterRef("pk"),
                                                               status=ExtensionStatus.APPROVED)))

        def read(qs):
            # (pk, path, town, community, grid, reporter, rework, channel, source, status,
            #  in_c, in_o, in_a, in_p, late, extended)
            return _plain_rows(qs.order_by().annotate(
                in_c=flag(closed_q), in_o=flag(open_q), in_a=flag(accepted_q), in_p=flag(patrol_q), late_=late,
                ext_=extended).values_list("pk", "area_path", "town_id", "community_id", "grid_id", "reporter_id",
                                           "rework_count", "channel", "source", "status", "in_c", "in_o", "in_a",
                                           "in_p", "late_", "ext_"))

        # Two reads, each on its indexes (events.models: one per term): the period's closed,
        # accepted and patrol events (a multi-index OR), and the events being worked now (by
        # status), of which those open at the period's end are kept.
        self.rows = list(read(events.filter(closed_q | accepted_q | patrol_q)))
        seen = {r[0] for r in self.rows}
        self.rows += [r for r in read(events.filter(status__in=WORKING)) if r[11] and r[0] not in seen]
        self.cols: dict[int, tuple] = {r[0]: r[2:6] for r in self.rows}  # event → (town, community, grid, reporter)
        self.paths: dict[int, str] = {r[0]: r[1] for r in self.rows}
        self.reworked = {r[0] for r in self.rows if r[10] and r[6] > 0}
        self.late: set[int] = {r[0] for r in self.rows if r[14] and (r[10] or r[11])}
        self.extended: set[int] = {r[0] for r in self.rows if r[15] and r[10]}
        visits = EventActivity.objects.filter(_rating_steps(), at__gte=start, at__lt=end,
                                              event__area_path__startswith=root_path,
                                              event__duplicate_of__isnull=True).order_by("id")
        # (event, path, town, community, grid, reporter, data, channel) in id order
        self.visit_rows = [r[:6] + (r[6] if isinstance(r[6], dict) else json.loads(r[6] or "null"), r[7])
                           for r in _plain_rows(visits.values_list(
                               "event_id", "event__area_path", "event__town_id", "event__community_id",
                               "event__grid_id", "event__reporter_id", "data", "event__channel"))]
        for r in self.visit_rows:
            if r[0] not in self.cols:
                self.cols[r[0]] = r[2:6]
                self.paths[r[0]] = r[1]
        self.leads: dict[int, list[tuple]] = defaultdict(list)
        for eid, *units in _lead_units(sorted(self.cols)):
            self.leads[eid].append(tuple(units))
        clocks = Deadline.objects.filter(kind="sign", subject_type="assignment", started_at__gte=start,
                                         started_at__lt=end, event__area_path__startswith=root_path)
        # (assignment, event, path, late, its department, post, board)
        unit = Assignment.objects.filter(pk=OuterRef("subject_id")).order_by()  # not its default order (a join)
        self.sign_rows = _plain_rows(clocks.filter(Q(state=DeadlineState.MET) | late_q(end)).annotate(
            late=flag(late_q(end)), unit_d=Subquery(unit.values("department_id")),
            unit_p=Subquery(unit.values("post_id")), unit_b=Subquery(unit.values("post__board_id")))
            .values_list("subject_id", "event_id", "event__area_path", "late", "unit_d", "unit_p", "unit_b"))
        self.sign_units = {c[0]: c[4:7] for c in self.sign_rows}
        self.summonses = by_node(  # (department, status, rating, event) by area node
            WhistleSummons.objects.filter(whistle__blown_at__gte=start, whistle__blown_at__lt=end,
                                          whistle__event__area_path__startswith=root_path).order_by("pk")
            .values_list("department_id", "status", "rating", "whistle__event_id", "whistle__event__area_path"),
            lambda r: r[4], lambda r: r[:4])
        self._members: dict[str, list[tuple]] = {}
        self._shared: dict = {}
        self._columns: Columns | None = None

    # The rows grouped by area node, for the per-event path (a run with an approved exclusion).

    @cached_property
    def closed(self) -> dict[int, list]:
        return by_node((r for r in self.rows if r[10]), lambda r: r[1], lambda r: r[0])

    @cached_property
    def open(self) -> dict[int, list]:
        return by_node((r for r in self.rows if r[11]), lambda r: r[1], lambda r: r[0])

    @cached_property
    def accepted(self) -> dict[int, list]:
        return by_node((r for r in self.rows if r[12]), lambda r: r[1], lambda r: (r[0], r[7], r[8]))

    @cached_property
    def patrol(self) -> dict[int, list]:
        return by_node((r for r in self.rows if r[13]), lambda r: r[1], lambda r: (r[0], r[9]))

    @cached_property
    def visits(self) -> dict[int, list]:
        return by_node(self.visit_rows, lambda r: r[1], lambda r: (r[0], r[6], r[7] == EventChannel.HOTLINE))

    @cached_property
    def sign(self) -> dict[int, list]:
        return by_node(self.sign_rows, lambda c: c[2],
                       lambda c: (bool(c[3]), c[1], self.sign_units.get(c[0], (None, None, None))))

    def columnar(self, ctx: Context, formula: str, population: str, excluded) -> dict | None:
        """The counts of ``formula`` for ``ctx``'s area from the columns (:mod:`.columns`), or None
        where they do not apply (an exclusion: counted event by event)."""
        if excluded or ctx.area_id is None:
            return None
        got = self.depth_counts(formula, population, len(_nodes(ctx.area_path)) - 1)
        return None if got is None else got.of(ctx.area_id)

    def depth_counts(self, formula: str, population: str, depth: int):
        """:class:`~.columns.Counts` of ``formula`` for every area at ``depth`` (None: not a
        formula counted in columns)."""
        if self._columns is None:
            self._columns = Columns(self)
        return self._columns.counts(formula, population, depth)

    def shared(self, key, make: Callable[[Frame], object]):
        """What ``make(frame)`` returns, made once per frame: a formula registered by another app
        reads its rows here for the whole root (``frame.root_path``, ``start``, ``end``), grouped
        by area node (:func:`by_node`), instead of querying once per area."""
        if key not in self._shared:
            self._shared[key] = make(self)
        return self._shared[key]

    def owner_map(self, population: str) -> dict[int, tuple]:
        """event id → its members in ``population`` (:func:`owners`) for every event read, made
        once per population."""
        key = ("owners", population)
        got = self._shared.get(key)
        if got is None:
            got = self._shared[key] = {e: tuple(m) for e, m in self.owners(population, list(self.cols)).items()}
            for e in self.cols:
                got.setdefault(e, ())
        return got

    def owners(self, population: str, ids) -> dict[int, list[int]]:
        """:func:`owners`, from the rows read."""
        out: dict[int, list[int]] = defaultdict(list)
        if population in REGIONS or population == Population.GRID_WORKER:
            k = {"town": 0, "community": 1, "grid": 2, "grid_worker": 3}[population]
            for eid in ids:
                member = self.cols[eid][k]
                if member is not None:
                    out[eid].append(member)
            return out
        k = {Population.DEPARTMENT: 0, Population.POST: 1, Population.BOARD: 2}[population]
        for eid in ids:
            for units in self.leads.get(eid, ()):
                member = units[k]
                if member is not None and member not in out[eid]:
                    out[eid].append(member)
        return out

    def members(self, area_id: int, population: str, read, depth: int | None = None) -> dict[int, str]:
        """The members of ``population`` under the area (at ``depth`` on the paths: its own
        index in its path; None: found by id), names cut to a result's 100 characters:
        ``read(root_path)`` gives (member, name, path) for the whole root once, in the order the
        per-area query lists them. The dict is the frame's: not to be changed."""
        rows = self._members.get(population)
        if rows is None:
            got = read(self.root_path)
            if isinstance(got, QuerySet):  # a city's members: without Django's converter per value
                got = _plain_rows(got)
            rows = self._members[population] = [(pk, name[:100], _nodes(path)) for pk, name, path in got]
        if depth is None:
            return {pk: name for pk, name, nodes in rows if area_id in nodes}
        key = ("members", population, depth)
        table = self._shared.get(key)
        if table is None:
            table = self._shared[key] = defaultdict(dict)
            for pk, name, nodes in rows:
                if len(nodes) > depth:
                    table[nodes[depth]][pk] = name
        return table.get(area_id, {})
