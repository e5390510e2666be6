"""Computing a period into a draft run, and publishing it.

``run_compute`` writes a draft: the first version of a period, or — once a version is published —
the next version, computed against the published one with the differences kept in ``diff``.
A draft computed again is rewritten in place (it was never published). ``run_publish`` freezes a
draft and supersedes the version before it. Nothing writes the rows of a published run.
"""

from __future__ import annotations

import bisect
from math import floor

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import Board, Department, Post, RoleGrant, User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, NotFound, ValidationFailed
from jiewang.core.memory import cyclic_gc_paused

from .. import formulas
from ..batch import LevelBatch
from ..choices import DISTRICT_POPULATIONS, TOWN_POPULATIONS, Direction, ExclusionStatus, ListKind, Population, RunStatus
from ..models import Exclusion, Indicator, ListRule, MemberScore, Result, Run
from ..permissions import deciders_for, ensure_role
from ..rounding import HALF, round_half_up
from .periods import KINDS_IN, parse_period

GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"))


def grade(score: float | None) -> str:
    if score is None:
        return ""
    for bound, letter in GRADES:
        if score >= bound:
            return letter
    return "E"


def assessed_area(area_id: int) -> Area:
    area = Area.objects.filter(pk=area_id, level__in=[AreaLevel.DISTRICT, AreaLevel.TOWN]).first()
    if area is None:
        raise NotFound("区域不存在 / Area not found.", code="not_found")
    return area


def populations_of(area: Area) -> tuple[str, ...]:
    return TOWN_POPULATIONS if area.level == AreaLevel.TOWN else DISTRICT_POPULATIONS


def members(area: Area, population: str, frame: formulas.Frame | None = None) -> dict[int, str]:
    """The members a run of ``area`` assesses in ``population`` even without data (departments
    of a town's run are added as the data names them). With a ``frame``, read once for its whole
    root and kept there (the frame's own dict: not to be changed)."""
    if frame is not None:
        if population == Population.DEPARTMENT and area.level == AreaLevel.TOWN:
            return {}
        return frame.members(area.pk, population, lambda root: member_rows(root, population),
                             area.path.strip("/").count("/"))
    if population in (Population.TOWN, Population.COMMUNITY, Population.GRID):
        level = {Population.TOWN: AreaLevel.TOWN, Population.COMMUNITY: AreaLevel.COMMUNITY,
                 Population.GRID: AreaLevel.GRID}[population]
        return dict(Area.objects.filter(path__startswith=area.path, level=level, valid_to__isnull=True)
                    .values_list("pk", "name"))
    if population == Population.POST:
        return {p.pk: p.name for p in Post.objects.filter(board__town__path__startswith=area.path)}
    if population == Population.BOARD:
        return dict(Board.objects.filter(town__path__startswith=area.path).values_list("pk", "name"))
    if population == Population.DEPARTMENT:
        if area.level == AreaLevel.TOWN:
            return {}
        return dict(Department.objects.filter(area__path__startswith=area.path, is_active=True)
                    .values_list("pk", "name"))
    ids = RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=area.path) \
        .values("user_id")
    return {u.pk: u.display_name or u.username for u in User.objects.filter(pk__in=ids)}


def member_rows(root_path: str, population: str):
    """(member, name, path) of every member of ``population`` under ``root_path``, in the order
    :func:`members` lists them (the path places a member under the areas that assess it)."""
    if population in (Population.TOWN, Population.COMMUNITY, Population.GRID):
        level = {Population.TOWN: AreaLevel.TOWN, Population.COMMUNITY: AreaLevel.COMMUNITY,
                 Population.GRID: AreaLevel.GRID}[population]
        return Area.objects.filter(path__startswith=root_path, level=level, valid_to__isnull=True) \
            .values_list("pk", "name", "path")
    if population == Population.POST:
        return Post.objects.filter(board__town__path__startswith=root_path).values_list("pk", "name",
                                                                                        "board__town__path")
    if population == Population.BOARD:
        return Board.objects.filter(town__path__startswith=root_path).values_list("pk", "name", "town__path")
    if population == Population.DEPARTMENT:
        return Department.objects.filter(area__path__startswith=root_path, is_active=True) \
            .values_list("pk", "name", "area__path")
    grants = RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=root_path)
    paths: dict[int, list[str]] = {}
    for user_id, path in grants.values_list("user_id", "area__path"):
        paths.setdefault(user_id, []).append(path)
    return [(pk, display_name or username, path)
            for pk, display_name, username in User.objects.filter(pk__in=grants.values("user_id"))
            .values_list("pk", "display_name", "username") for path in paths[pk]]


def frame_for(area: Area, start, end, frames: dict) -> formulas.Frame:
    """The shared :class:`~jiewang.assessment.formulas.Frame` of ``area``'s root (the city) for
    the period, made on first use and kept in ``frames``."""
    root = "/" + area.path.strip("/").split("/")[0] + "/"
    key = (root, start, end)
    if key not in frames:
        frames[key] = formulas.Frame(root, start, end)
    return frames[key]


def names_of(population: str, ids) -> dict[int, str]:
    """The names of the members ``ids`` of ``population`` (``None``: of every member)."""
    def only(qs):
        return qs if ids is None else qs.filter(pk__in=list(ids))

    if population == Population.DEPARTMENT:
        return dict(only(Department.objects.all()).values_list("pk", "name"))
    if population == Population.POST:
        return dict(only(Post.objects.all()).values_list("pk", "name"))
    if population == Population.BOARD:
        return dict(only(Board.objects.all()).values_list("pk", "name"))
    if population == Population.GRID_WORKER:
        return {u.pk: u.display_name or u.username for u in only(User.objects.all())}
    return dict(only(Area.objects.all()).values_list("pk", "name"))


def excluded_events(area: Area) -> list[tuple[int, list[str]]]:
    return list(Exclusion.objects.filter(area_path__startswith=area.path, status=ExclusionStatus.APPROVED)
                .values_list("event_id", "indicator_codes"))


def indicators_for(kind: str, populations) -> list[Indicator]:
    return list(Indicator.objects.filter(is_active=True, population__in=list(populations),
                                         period_kind__in=list(KINDS_IN[kind])).order_by("population", "order", "code"))


def indicator_score(ind: Indicator, value: float | None) -> float | None:
    if value is None:
        return None
    value = max(0.0, min(1.0, value))
    return round_half_up(100 * (value if ind.direction == Direction.HIGHER else 1 - value), 4)


def target_met(ind: Indicator, value: float | None) -> bool | None:
    if value is None:
        return None
    return value >= ind.target if ind.direction == Direction.HIGHER else value <= ind.target


def compute(area: Area, kind: str, start, end, frame: formulas.Frame | None = None) -> tuple[list[dict], list[dict]]:
    """The results and scores of a period, as plain rows (nothing written). ``frame``: the
    period's rows read once for the whole city (:func:`frame_for`) when many areas are computed
    in a row — the same numbers, without a query per area and formula (the indicators, list
    rules, exclusions and names are then read once per frame too)."""
    ctx = formulas.Context(area_path=area.path, start=start, end=end, frame=frame, area_id=area.pk)
    pops = populations_of(area)
    if frame is None:
        exclusions = excluded_events(area)
        inds = indicators_for(kind, pops)
        rules = None
    else:
        exclusions = frame.shared("exclusions", _exclusions_by_node).get(area.pk, [])
        inds = frame.shared(("indicators", kind, pops), lambda _f: indicators_for(kind, pops))
        rules = frame.shared("list_rules", lambda _f: _list_rules())
        if not exclusions:  # every area of the level at once, in columns (assessment.batch)
            batch = frame.shared(("batch", kind, pops, area.level),
                                 lambda f: _level_batch(f, area, kind, start, end, pops, inds, rules))
            if area.pk in batch:
                return batch.of(area.pk)
    results: list[dict] = []
    append = results.append
    acc: dict[tuple, dict[int, list]] = {}  # (population, scheme) → member → [Σ weight, Σ weight × score, name]
    for population in pops:
        known = members(area, population, frame)
        mine = [i for i in inds if i.population == population]
        per_ind: dict[int, dict[int, tuple[float, float]]] = {}
        for ind in mine:
            fdef = formulas.FORMULAS.get(ind.formula)
            if fdef is None or population not in fdef.populations:
                continue
            excluded = {e for e, codes in exclusions if not codes or ind.code in codes}
            counts = frame.columnar(ctx, ind.formula, population, excluded) if frame is not None else None
            per_ind[ind.id] = counts if counts is not None else fdef.fn(ctx, population, excluded)
        names = known
        if population == Population.DEPARTMENT:  # a town's departments: those its events name
            found = {m for counts in per_ind.values() for m in counts}
            extra = found - set(known)
            if extra:
                names = dict(known)
                if frame is None:
                    names.update(names_of(population, extra))
                else:
                    every = frame.shared(("names", population), lambda _f, p=population: names_of(p, None))
                    names.update({m: name for m, name in every.items() if m in extra})  # names_of's order
        listed = [(m, name[:100]) for m, name in names.items()]
        for ind in mine:
            counts = per_ind.get(ind.id)
            if counts is None:
                continue
            higher, weight, target, scheme = ind.direction == Direction.HIGHER, ind.weight, ind.target, ind.scheme
            group = acc.get((population, scheme))
            if group is None:  # the scheme's composite: every listed member, weights added for those with data
                group = acc[(population, scheme)] = ({}, listed)
            weighted = group[0]
            get = counts.get
            for member_id, name in listed:
                got = get(member_id)
                if got is None:
                    append({"indicator": ind, "population": population, "member_id": member_id, "member_name": name,
                            "numerator": 0.0, "denominator": 0.0, "value": None, "score": None, "target_met": None})
                    continue
                num, den = got
                if not den:
                    append({"indicator": ind, "population": population, "member_id": member_id, "member_name": name,
                            "numerator": num, "denominator": den, "value": None, "score": None, "target_met": None})
                    continue
                # round_half_up(num / den, 6) and round_half_up(100 × …, 4), inline (a call per member)
                v = num / den * 1e6
                whole = floor(v)
                value = (whole + 1.0 if v - whole >= HALF else whole) / 1e6
                clipped = 0.0 if value < 0.0 else (1.0 if value > 1.0 else value)
                v = 100 * (clipped if higher else 1 - clipped) * 1e4
                whole = floor(v)
                score = (whole + 1.0 if v - whole >= HALF else whole) / 1e4
                append({"indicator": ind, "population": population, "member_id": member_id, "member_name": name,
                        "numerator": num, "denominator": den, "value": value, "score": score,
                        "target_met": value >= target if higher else value <= target})
                if weight > 0:
                    row = weighted.get(member_id)
                    if row is None:
                        weighted[member_id] = [weight, weight * score]
                    else:
                        row[0] += weight
                        row[1] += weight * score
    rows = []
    for (population, scheme), (weighted, listed) in acc.items():
        for member_id, name in listed:
            row = weighted.get(member_id)
            rows.append({"population": population, "scheme": scheme, "member_id": member_id, "member_name": name,
                         "score": round_half_up(row[1] / row[0], 2) if row else None})
    return results, _rank(rows, rules)


def _level_batch(frame: formulas.Frame, area: Area, kind: str, start, end, pops, inds, rules) -> LevelBatch:
    """The :class:`~jiewang.assessment.batch.LevelBatch` of every current area of ``area``'s level
    under the frame's root (the city's towns, or its districts; a single run's frame: the area)."""
    areas = list(Area.objects.filter(path__startswith=frame.root_path, level=area.level, valid_to__isnull=True)
                 .order_by("path"))

    def counts(a: Area, population: str, formula: str) -> dict:
        ctx = formulas.Context(area_path=a.path, start=start, end=end, frame=frame, area_id=a.pk)
        return formulas.FORMULAS[formula].fn(ctx, population, set())

    return LevelBatch(frame=frame, areas=areas, depth=area.path.strip("/").count("/"), populations=pops,
                      indicators=inds, rules=rules, formulas=formulas.FORMULAS,
                      known=lambda a, population: members(a, population, frame), counts=counts,
                      every_name=lambda p: frame.shared(("names", p), lambda _f: names_of(p, None)), grade=grade)


def _list_rules() -> dict[str, ListRule]:
    return {r.population: r for r in ListRule.objects.all()}


def _exclusions_by_node(frame: formulas.Frame) -> dict[int, list]:
    """:func:`excluded_events` of every area under the frame's root, by area node."""
    rows = Exclusion.objects.filter(area_path__startswith=frame.root_path, status=ExclusionStatus.APPROVED) \
        .order_by("id").values_list("event_id", "indicator_codes", "area_path")
    return formulas.by_node(rows, lambda r: r[2], lambda r: (r[0], r[1]))


def score_rows(results: list[dict]) -> list[dict]:
    """Composite per (population, scheme, member): Σ weight × score / Σ weight over the indicators
    with data and a positive weight; ranks (ties share a rank); grades; red and black lists."""
    acc: dict[tuple, dict] = {}
    for r in results:
        ind = r["indicator"]
        key = (r["population"], ind.scheme, r["member_id"])
        row = acc.setdefault(key, {"population": r["population"], "scheme": ind.scheme, "member_id": r["member_id"],
                                   "member_name": r["member_name"], "w": 0.0, "ws": 0.0})
        if r["score"] is not None and ind.weight > 0:
            row["w"] += ind.weight
            row["ws"] += ind.weight * r["score"]
    rows = list(acc.values())
    for row in rows:
        w, ws = row.pop("w"), row.pop("ws")
        row["score"] = round_half_up(ws / w, 2) if w else None
    return _rank(rows)


def _rank(rows: list[dict], rules: dict | None = None) -> list[dict]:
    """Grades, ranks (1 + those scoring more: ties share a rank) and red and black lists of the
    composite rows, per (population, scheme)."""
    for row in rows:
        row["grade"] = grade(row["score"])
        row["rank"] = None
        row["list_kind"] = ""
    rules = _list_rules() if rules is None else rules
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["score"] is not None:
            groups.setdefault((row["population"], row["scheme"]), []).append(row)
    for (population, _scheme), ranked in groups.items():
        ascending = sorted(r["score"] for r in ranked)
        n = len(ascending)
        for r in ranked:
            r["rank"] = 1 + n - bisect.bisect_right(ascending, r["score"])
        rule = rules.get(population) or ListRule(population=population)
        # The top and bottom N never overlap: in a population of n ranked members each list takes
        # at most half of them (n // 2), so a small population is not all red (or all black).
        half = n // 2
        red_n, black_n = min(rule.red_top_n, half), min(rule.black_bottom_n, half)
        for r in ranked:
            from_bottom = 1 + bisect.bisect_left(ascending, r["score"])
            red = r["rank"] <= red_n and (rule.red_min_score is None or r["score"] >= rule.red_min_score)
            black = from_bottom <= black_n or (
                rule.black_max_score is not None and r["score"] < rule.black_max_score)
            r["list_kind"] = ListKind.RED if red else (ListKind.BLACK if black else "")
    return rows


def _key(r) -> tuple:
    return (r.population, r.member_id, r.indicator.code)


def diff_of(old: Run, new_results: list[Result], new_scores: list[MemberScore]) -> list[dict]:
    """Per member and indicator (and composite score): old → new, where they differ."""
    before = {_key(r): r for r in old.results.select_related("indicator")}
    after = {_key(r): r for r in new_results}
    out = []
    for key in sorted(set(before) | set(after), key=lambda k: (k[0], k[1], k[2])):
        b, a = before.get(key), after.get(key)
        triple = lambda r: None if r is None else [r.numerator, r.denominator, r.value]  # noqa: E731
        if triple(b) != triple(a):
            ref = a or b
            out.append({"population": key[0], "member_id": key[1], "member_name": ref.member_name,
                        "indicator": key[2], "old": triple(b), "new": triple(a)})
    sb = {(s.population, s.member_id, s.scheme): s for s in old.scores.all()}
    sa = {(s.population, s.member_id, s.scheme): s for s in new_scores}
    for key in sorted(set(sb) | set(sa)):
        b, a = sb.get(key), sa.get(key)
        pair = lambda s: None if s is None else [s.score, s.grade, s.rank]  # noqa: E731
        if pair(b) != pair(a):
            ref = a or b
            out.append({"population": key[0], "member_id": key[1], "member_name": ref.member_name,
                        "indicator": f"score:{key[2]}", "old": pair(b), "new": pair(a)})
    return out


@transaction.atomic
def run_compute(*, actor, area: Area, period: str, frames: dict | None = None) -> Run:
    """Compute ``period`` for ``area`` (a town or a district) into a draft. Who: the area's
    deciders (403), readers of it otherwise 404. ``frames``: a dict kept by a caller computing
    many areas of one period (the monthly job, ``manage.py assess``): the period's rows are then
    read once for the whole city (:func:`frame_for`); without it, once for the area."""
    ensure_role(actor, area.path, deciders_for(area))
    if area.level not in (AreaLevel.TOWN, AreaLevel.DISTRICT):
        raise ValidationFailed("只能考核镇街或区县 / Only a town or a district is assessed.",
                               code="assessment.bad_area", fields={"area_id": area.pk})
    kind, start, end = parse_period(period)
    if start > timezone.now():
        raise ValidationFailed("考核周期尚未开始 / The period has not begun.", code="assessment.future_period",
                               fields={"period": period})
    Area.objects.select_for_update().filter(pk=area.pk).first()  # one computation per area at a time
    runs = Run.objects.filter(area=area, period=period)
    draft = runs.filter(status=RunStatus.DRAFT).first()
    published = runs.filter(status=RunStatus.PUBLISHED).first()
    # Many areas (the monthly job): the city's rows read once. One area: its own rows read once
    # the same way (the period's events on their indexes, counted in columns), not a query per
    # formula and population — the same numbers (tests/test_frame.py).
    frame = frame_for(area, start, end, frames) if frames is not None else formulas.Frame(area.path, start, end)
    results, scores = compute(area, kind, start, end, frame)
    now = timezone.now()
    if draft is None:
        version = (runs.aggregate(v=Max("version"))["v"] or 0) + 1
        draft = Run.objects.create(area=area, area_path=area.path, period=period, period_kind=kind,
                                   period_start=start, period_end=end, version=version, computed_at=now,
                                   computed_by=actor, based_on=published)
    else:
        draft.results.all().delete()
        draft.scores.all().delete()
        draft.computed_at, draft.computed_by, draft.based_on = now, actor, published
    new_results = Result.objects.bulk_create([Result(run=draft, **r) for r in results])
    new_scores = MemberScore.objects.bulk_create([MemberScore(run=draft, **s) for s in scores])
    draft.diff = diff_of(published, new_results, new_scores) if published else []
    draft.save()
    audit_record(actor=actor, action="assessment.compute", obj=draft,
                 data={"period": period, "version": draft.version, "results": len(new_results),
                       "differences": len(draft.diff)})
    return draft


@transaction.atomic
def run_publish(*, actor, run: Run) -> Run:
    """Publish a draft: it becomes the period's published version; the one before is superseded.
    409 ``assessment.not_draft`` for a run already published or superseded."""
    area = run.area
    ensure_role(actor, area.path, deciders_for(area))
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DRAFT:
        raise Conflict("只能发布草稿 / Only a draft can be published.", code="assessment.not_draft")
    now = timezone.now()
    Run.objects.filter(area=run.area, period=run.period, status=RunStatus.PUBLISHED).update(
        status=RunStatus.SUPERSEDED)
    run.status, run.published_at, run.published_by = RunStatus.PUBLISHED, now, actor
    run.save(update_fields=["status", "published_at", "published_by"])
    audit_record(actor=actor, action="assessment.publish", obj=run,
                 data={"period": run.period, "version": run.version, "differences": len(run.diff)})
    return run


def compute_last_month(today=None) -> list[Run]:
    """The worker's job: on the first working day of a month, last month's draft for every town
    and district that has no run of it yet (idempotent: a second call finds them)."""
    from jiewang.core import worktime

    from ..services.periods import last_month

    today = today or timezone.localdate()
    first = today.replace(day=1)
    day = first
    while not worktime.is_workday(day):
        day = day.fromordinal(day.toordinal() + 1)
    if today != day:
        return []
    period = last_month(today)
    made = []
    frames: dict = {}  # the month's rows, read once for the city
    done = set(Run.objects.filter(period=period).values_list("area_id", flat=True))
    areas = Area.objects.filter(Q(level=AreaLevel.TOWN) | Q(level=AreaLevel.DISTRICT), valid_to__isnull=True) \
        .exclude(pk__in=done).order_by("path")
    with cyclic_gc_paused():  # a million result rows, freed by reference counting (core.memory)
        for area in areas:
            made.append(run_compute(actor=None, area=area, period=period, frames=frames))
    return made


def run_periodic() -> int:
    return len(compute_last_month())
