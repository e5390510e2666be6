"""What a bulletin says: the month's figures of an area, read from the rollups of
:mod:`jiewang.stats` (never by counting events), and the month's published assessment run of
:mod:`jiewang.assessment` (scores, grades, rankings, red and black lists per population).

The definitions are the situation's (``jiewang/stats/selectors.py``): *new* leaves voided and
merged events out; *closed* counts events by the day they were closed; *overdue* the events
reported in the month that carry the overdue mark; on-time closure rate = closed on time / closed;
satisfaction rate = (满意 + 0.9 × 基本满意) / rated. Everything is plain data (dicts, lists), so
the PDF and the workbook are drawn from the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Sum

from jiewang.accounts.choices import BoardKind
from jiewang.areas.models import Area
from jiewang.assessment.choices import Population, RunStatus, scheme_label
from jiewang.assessment.models import Run
from jiewang.events.models import MatterCategory
from jiewang.stats.models import RollupDay, RollupMonth
from jiewang.stats.services.rollups import COUNTS

CATEGORY_LIMIT = 15


def month_bounds(period: str) -> tuple[dt.date, dt.date, dt.date]:
    """(first day, first day of the next month, first day of the month before) of ``YYYY-MM``."""
    year, month = int(period[:4]), int(period[5:7])
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    return first, nxt, prev


def rate(num, den) -> float | None:
    return round(num / den, 4) if den else None


def figures(counts: dict) -> dict:
    """The bulletin's figures from summed rollup counts."""
    c = {k: counts.get(k) or 0 for k in COUNTS}
    return {"new": c["new"] - c["voided"], "closed": c["closed"], "closed_on_time": c["closed_on_time"],
            "overdue": c["overdue"], "rated": c["rated"], "satisfied": c["satisfied"], "basically": c["basically"],
            "on_time_rate": rate(c["closed_on_time"], c["closed"]),
            "satisfaction_rate": rate(c["satisfied"] + 0.9 * c["basically"], c["rated"])}


SUMS = {c: Sum(c) for c in COUNTS}


def _month_totals(area_id: int, month: dt.date) -> dict:
    return figures(RollupMonth.objects.filter(area_id=area_id, month=month).aggregate(**SUMS))


@dataclass
class Ranking:
    """One population's ranking in one scheme of the run."""

    population: str
    population_label: str
    scheme: str
    scheme_label: str
    rows: list[dict] = field(default_factory=list)  # rank, name, score, grade, list_kind


@dataclass
class Content:
    area: Area
    period: str
    first: dt.date
    month: dict  # figures of the month
    previous: dict  # figures of the month before
    by_board: list[dict]
    by_category: list[dict]
    by_area: list[dict]
    daily: list[dict]  # day, new, closed
    run: Run | None
    rankings: list[Ranking]
    lists: list[dict]  # population_label, list_kind, name, score, rank


def published_run(area: Area, period: str) -> Run | None:
    """The published assessment run of ``area`` for ``period`` (None while there is none)."""
    return Run.objects.filter(area=area, period=period, status=RunStatus.PUBLISHED).first()


def _rankings(run: Run) -> tuple[list[Ranking], list[dict]]:
    order = list(Population.values)
    labels = dict(Population.choices)
    groups: dict[tuple[str, str], Ranking] = {}
    lists = []
    scores = run.scores.order_by("population", "scheme", F("rank").asc(nulls_last=True), "member_name", "member_id")
    for s in scores:
        key = (s.population, s.scheme)
        if key not in groups:
            groups[key] = Ranking(s.population, str(labels.get(s.population, s.population)), s.scheme,
                                  scheme_label(s.scheme))
        row = {"rank": s.rank, "name": s.member_name, "score": s.score, "grade": s.grade, "list_kind": s.list_kind}
        groups[key].rows.append(row)
        if s.list_kind and s.scheme == "general":
            lists.append({"population": s.population, "population_label": groups[key].population_label,
                          "scheme_label": groups[key].scheme_label, **row})
    ranked = sorted(groups.values(), key=lambda r: (order.index(r.population) if r.population in order else 99,
                                                   r.scheme != "general", r.scheme))
    lists.sort(key=lambda r: (order.index(r["population"]) if r["population"] in order else 99,
                              r["list_kind"] != "red", r["rank"] or 0, r["name"]))
    return ranked, lists


def bulletin_content(area: Area, period: str) -> Content:
    """Everything the bulletin of ``area`` for ``period`` (YYYY-MM, already validated) shows."""
    first, nxt, prev = month_bounds(period)
    month_rows = list(RollupMonth.objects.filter(area_id=area.id, month=first)
                      .values("board_kind", "category_id", *COUNTS))

    def grouped(column):
        acc: dict = {}
        for r in month_rows:
            into = acc.setdefault(r[column], dict.fromkeys(COUNTS, 0))
            for c in COUNTS:
                into[c] += r[c] or 0
        return acc

    boards = grouped("board_kind")
    by_board = [{"key": k, "name": str(label), **figures(boards.get(k, {}))} for k, label in BoardKind.choices]
    cats = sorted(grouped("category_id").items(), key=lambda kv: (-(kv[1]["new"] - kv[1]["voided"]), kv[0]))
    cats = cats[:CATEGORY_LIMIT]
    names = dict(MatterCategory.objects.filter(id__in=[k for k, _ in cats]).values_list("id", "name"))
    by_category = [{"key": k, "name": names.get(k, str(k)), **figures(v)} for k, v in cats]

    children = list(Area.objects.current().filter(parent=area).order_by("code").values("id", "name"))
    kids = {r["area_id"]: r for r in RollupMonth.objects.filter(area_id__in=[c["id"] for c in children], month=first)
            .values("area_id").annotate(**SUMS).order_by()}
    by_area = [{"key": c["id"], "name": c["name"], **figures(kids.get(c["id"], {}))} for c in children]

    days = {r["day"]: r for r in RollupDay.objects.filter(area_id=area.id, day__gte=first, day__lt=nxt)
            .values("day", *COUNTS)}
    daily = []
    d = first
    while d < nxt:
        f = figures(days.get(d, {}))
        daily.append({"day": d, "new": f["new"], "closed": f["closed"]})
        d += dt.timedelta(days=1)

    run = published_run(area, period)
    rankings, lists = _rankings(run) if run else ([], [])
    return Content(area=area, period=period, first=first, month=figures({c: sum(r[c] or 0 for r in month_rows)
                                                                         for c in COUNTS}),
                   previous=_month_totals(area.id, prev), by_board=by_board, by_category=by_category,
                   by_area=by_area, daily=daily, run=run, rankings=rankings, lists=lists)
