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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import F, Q

from jiewang.areas.models import Area
from jiewang.dispatching.models import Assignment, ExtensionRequest, ExtensionStatus, SummonsStatus, WhistleSummons
from jiewang.events.choices import EventChannel, EventSource, EventStatus, Satisfaction
from jiewang.events.models import Deadline, DeadlineState, Event, EventActivity

from .choices import Population

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
    [``start``, ``end``)."""

    area_path: str
    start: dt.datetime
    end: dt.datetime
    _cache: dict = field(default_factory=dict)

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
    own = owners(ctx, population, den_ids)
    num_set = set(num_ids)
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for eid in den_ids:
        for member in own.get(eid, ()):
            result[member][1] += 1
            if eid in num_set:
                result[member][0] += (weights or {}).get(eid, 1.0)
    return {m: (n, d) for m, (n, d) in result.items()}


def late_q(end: dt.datetime) -> Q:
    """A clock that missed its due moment before ``end``: marked overdue, met after it was due,
    or still open past it."""
    return (Q(overdue_at__isnull=False, overdue_at__lt=end)
            | Q(state=DeadlineState.MET, closed_at__gt=F("due_at"))
            | Q(state__in=OPEN_CLOCK, due_at__lt=end))


def closed_ids(ctx: Context) -> list[int]:
    return ctx.cached("closed", lambda: list(ctx.events().filter(
        closed_at__gte=ctx.start, closed_at__lt=ctx.end).exclude(status=EventStatus.VOIDED).values_list("pk", flat=True)))


def open_working_ids(ctx: Context) -> list[int]:
    """Events accepted before the end, not closed by then, being worked on (not shelved or voided)."""
    return ctx.cached("open", lambda: list(ctx.events().filter(accepted_at__lt=ctx.end, status__in=WORKING).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=ctx.end)).values_list("pk", flat=True)))


def late_handle_ids(ctx: Context, ids) -> set[int]:
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
    reworked = set(Event.objects.filter(pk__in=closed, rework_count__gt=0).values_list("pk", flat=True))
    return tally(ctx, population, closed, reworked, excluded)


@formula("overdue_rate", EVENT_POPULATIONS, "超期: (closed in the period or open at its end) with a late handling clock / those events")
def overdue_rate(ctx, population, excluded):
    base = closed_ids(ctx) + open_working_ids(ctx)
    return tally(ctx, population, base, late_handle_ids(ctx, base), excluded)


@formula("extension_rate", EVENT_POPULATIONS, "延期: closed in the period with an approved extension / closed in the period")
def extension_rate(ctx, population, excluded):
    closed = closed_ids(ctx)
    extended = set(ExtensionRequest.objects.filter(event_id__in=closed, status=ExtensionStatus.APPROVED)
                   .values_list("event_id", flat=True))
    return tally(ctx, population, closed, extended, excluded)


@formula("public_report_rate", REGIONS, "监督举报: accepted in the period from residents' channels (complaints) / accepted in the period")
def public_report_rate(ctx, population, excluded):
    qs = ctx.events().filter(accepted_at__gte=ctx.start, accepted_at__lt=ctx.end)
    den = list(qs.values_list("pk", flat=True))
    num = qs.filter(channel__in=PUBLIC_CHANNELS, source=EventSource.COMPLAINT).values_list("pk", flat=True)
    return tally(ctx, population, den, num, excluded)


@formula("valid_report_rate", {Population.GRID_WORKER}, "有效上报: patrol reports in the period not voided / patrol reports in the period")
def valid_report_rate(ctx, population, excluded):
    qs = ctx.events().filter(channel=EventChannel.PATROL, reported_at__gte=ctx.start, reported_at__lt=ctx.end)
    den = list(qs.values_list("pk", flat=True))
    num = qs.exclude(status=EventStatus.VOIDED).values_list("pk", flat=True)
    return tally(ctx, population, den, num, excluded)


# ---- return visits (回访) ---------------------------------------------------------------------

def visits(ctx: Context, hotline_only: bool) -> list[tuple[int, dict]]:
    """Each return visit or rating in the period: (event id, its recorded data)."""
    qs = EventActivity.objects.filter(action__in=["visit", "rate"], at__gte=ctx.start, at__lt=ctx.end,
                                      event__area_path__startswith=ctx.area_path,
                                      event__duplicate_of__isnull=True)
    if hotline_only:
        qs = qs.filter(event__channel=EventChannel.HOTLINE)
    return list(qs.order_by("id").values_list("event_id", "data"))


def visit_tally(ctx, population, excluded, rows, score: Callable[[dict], float]):
    rows = [(e, d) for e, d in rows if e not in excluded]
    own = owners(ctx, population, [e for e, _ in rows])
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for eid, data in rows:
        for member in own.get(eid, ()):
            result[member][0] += score(data)
            result[member][1] += 1
    return {m: (round(n, 6), d) for m, (n, d) in result.items()}


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


def _summonses(ctx, excluded):
    return WhistleSummons.objects.filter(whistle__blown_at__gte=ctx.start, whistle__blown_at__lt=ctx.end,
                                         whistle__event__area_path__startswith=ctx.area_path) \
        .exclude(whistle__event_id__in=list(excluded))


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
    rows = _summonses(ctx, excluded).filter(status__in=DECIDED).values_list("department_id", "status")
    return _summons_tally((d, 1.0 if s in REPORTED else 0.0, 1.0) for d, s in rows)


@formula("report_in_on_time", {Population.DEPARTMENT}, "报到及时率: summonses reported in on time / summonses decided, whistles blown in the period")
def report_in_on_time(ctx, population, excluded):
    rows = _summonses(ctx, excluded).filter(status__in=DECIDED).values_list("department_id", "status")
    return _summons_tally((d, 1.0 if s == SummonsStatus.REPORTED_IN else 0.0, 1.0) for d, s in rows)


@formula("summons_rating", {Population.DEPARTMENT}, "双向考核: sum of the summoning level's ratings (1–5) / (5 × ratings), whistles blown in the period")
def summons_rating(ctx, population, excluded):
    rows = _summonses(ctx, excluded).filter(rating__isnull=False).values_list("department_id", "rating")
    return _summons_tally((d, float(r), 5.0) for d, r in rows)


def area_name(pk: int) -> str:
    return Area.objects.filter(pk=pk).values_list("name", flat=True).first() or str(pk)
