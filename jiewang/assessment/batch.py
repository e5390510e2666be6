"""Every run of one level computed at once: the monthly job's towns (or districts) in columns.

The monthly job computes about a thousand towns and forty districts over one shared
:class:`~jiewang.assessment.formulas.Frame`. Done run by run, the engine turns each area's counts
into result rows member by member in Python: 830,000 result rows for a city's month, most of the
job's time. A :class:`LevelBatch` does the arithmetic once for every area of a level, on numpy
arrays laid out as the runs list their members (area by area, each area's members in the order
:func:`~jiewang.assessment.services.engine.members` gives):

* each indicator's numerator and denominator aligned to those members (from the columns' counts of
  the whole level, or, for a formula counted elsewhere, from its function area by area), then its
  value, score and target met;
* each scheme's composite (Σ weight × score / Σ weight, added in the indicators' order), its rank
  within the area (ties share a rank), grade and red and black lists.

A run then only slices its area out and builds its rows. The numbers are the run-by-run engine's
(the same double operations in the same order): ``tests/test_frame.py`` holds the two equal, and
``bench.city_bench assessment`` holds both equal to DuckDB's. A run with an approved exclusion is
not taken from here (the engine computes it on its own, event by event where it must).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .choices import Direction, ListKind, Population
from .columns import SHIFT
from .models import ListRule
from .rounding import round_half_up_array

SCORE_KEY = 20_001  # composite × 100 is an integer in [0, 10,000]: (area position, score) as one integer


class Listing:
    """One population's listed members of every area of the level: ``area`` and ``member`` per
    entry (areas one after another), ``names``, and each area's ``bounds`` (lo, hi)."""

    def __init__(self, per_area: list[tuple[int, list[tuple[int, str]]]]):
        area, member, names, self.bounds = [], [], [], {}
        self.position = []  # the area's position in the level, per entry (for ranks)
        for i, (area_id, listed) in enumerate(per_area):
            lo = len(member)
            for m, name in listed:
                area.append(area_id)
                member.append(m)
                names.append(name)
            self.bounds[area_id] = (lo, len(member))
            self.position.extend([i] * (len(member) - lo))
        self.area = np.array(area, dtype=np.int64)
        self.member = np.array(member, dtype=np.int64)
        self.members = member
        self.names = names
        self.position = np.array(self.position, dtype=np.int64)
        self.keys = self.area * SHIFT + self.member


class IndicatorColumns:
    """One indicator's rows for a whole listing, as Python lists ready to slice."""

    __slots__ = ("ind", "num", "den", "value", "score", "met", "has", "score_arr")

    def __init__(self, ind, found: np.ndarray, num: np.ndarray, den: np.ndarray):
        self.ind = ind
        has = found & (den != 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = round_half_up_array(np.where(has, num / np.where(has, den, 1.0), 0.0), 6)
        higher = ind.direction == Direction.HIGHER
        clipped = np.minimum(np.maximum(value, 0.0), 1.0)
        score = round_half_up_array(100 * (clipped if higher else 1 - clipped), 4)
        met = value >= ind.target if higher else value <= ind.target
        self.has, self.score_arr = has, score
        self.num, self.den = num.tolist(), den.tolist()
        self.value, self.score, self.met = (_or_none(a, has) for a in (value, score, met))


class SchemeColumns:
    """One (population, scheme)'s composites for a whole listing, with ranks, grades and lists."""

    __slots__ = ("scheme", "score", "rank", "grade", "list_kind")

    def __init__(self, scheme: str, listing: Listing, parts: list[IndicatorColumns], rule: ListRule,
                 grade: Callable[[float | None], str]):
        self.scheme = scheme
        n = len(listing.members)
        w, ws = np.zeros(n), np.zeros(n)
        for part in parts:  # in the indicators' order, as the run-by-run sums
            weight = part.ind.weight
            if weight > 0:
                w[part.has] += weight
                ws[part.has] += weight * part.score_arr[part.has]
        valid = w > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            score = round_half_up_array(np.where(valid, ws / np.where(valid, w, 1.0), 0.0), 2)
        # ranks within each area: 1 + those scoring more (ties share); from the bottom likewise
        points = np.rint(score * 100).astype(np.int64)
        if valid.any():
            assert points[valid].min() >= 0 and points[valid].max() < SCORE_KEY
        base = listing.position * SCORE_KEY
        key = base + points
        ordered = np.sort(key[valid])
        first, last = np.searchsorted(ordered, base), np.searchsorted(ordered, base + SCORE_KEY)
        rank = 1 + last - np.searchsorted(ordered, key, "right")
        from_bottom = 1 + np.searchsorted(ordered, key, "left") - first
        half = (last - first) // 2  # neither list takes more than half of the ranked (see engine._rank)
        red = (rank <= np.minimum(rule.red_top_n, half)) & valid
        if rule.red_min_score is not None:
            red &= score >= rule.red_min_score
        black = (from_bottom <= np.minimum(rule.black_bottom_n, half))
        if rule.black_max_score is not None:
            black |= score < rule.black_max_score
        black &= valid & ~red
        self.score, self.rank = _or_none(score, valid), _or_none(rank, valid)
        self.grade = [grade(x) for x in self.score]
        self.list_kind = [ListKind.RED if r else (ListKind.BLACK if b else "")
                          for r, b in zip(red.tolist(), black.tolist(), strict=True)]


class LevelBatch:
    """The results and composites of every area in ``areas`` (one level: towns or districts),
    computed together; :meth:`of` gives one area's, as ``engine.compute`` returns them.

    ``known(area, population)``: the members a run lists without data; ``counts(area, population,
    formula)``: the formula's {member: (num, den)} for an area (a formula not counted in columns);
    ``every_name(population)``: every member's name (a town's departments are listed as its data
    names them, after the known ones, in this order)."""

    def __init__(self, *, frame, areas, depth: int, populations, indicators, rules: dict, formulas: dict,
                 known: Callable, counts: Callable, every_name: Callable, grade: Callable):
        self.populations = []
        for population in populations:
            mine = [i for i in indicators if i.population == population]
            usable = [i for i in mine if (f := formulas.get(i.formula)) is not None and population in f.populations]
            columnar, by_area = {}, {}
            for ind in usable:
                got = frame.depth_counts(ind.formula, population, depth)
                if got is not None:
                    columnar[ind.id] = got
                else:
                    by_area[ind.id] = {a.pk: counts(a, population, ind.formula) for a in areas}
            listed = []
            for area in areas:
                names = known(area, population)
                if population == Population.DEPARTMENT:  # those its data names, after the known ones
                    found = set()
                    for got in columnar.values():
                        found.update(got.of(area.pk))
                    for per_area in by_area.values():
                        found.update(per_area[area.pk])
                    extra = found - set(names)
                    if extra:
                        names = dict(names)
                        names.update({m: name for m, name in every_name(population).items() if m in extra})
                listed.append((area.pk, [(m, name[:100]) for m, name in names.items()]))
            listing = Listing(listed)
            parts = []
            for ind in usable:
                if ind.id in columnar:
                    found, num, den = columnar[ind.id].aligned(listing.keys)
                else:
                    found, num, den = _from_dicts(listing, by_area[ind.id])
                parts.append(IndicatorColumns(ind, found, num, den))
            schemes: dict[str, list[IndicatorColumns]] = {}
            for part in parts:
                schemes.setdefault(part.ind.scheme, []).append(part)
            rule = rules.get(population) or ListRule(population=population)
            composites = [SchemeColumns(scheme, listing, group, rule, grade) for scheme, group in schemes.items()]
            self.populations.append((population, listing, parts, composites))

    def __contains__(self, area_id: int) -> bool:
        return bool(self.populations) and area_id in self.populations[0][1].bounds

    def of(self, area_id: int) -> tuple[list[dict], list[dict]]:
        results: list[dict] = []
        scores: list[dict] = []
        for population, listing, parts, composites in self.populations:
            lo, hi = listing.bounds[area_id]
            members, names = listing.members[lo:hi], listing.names[lo:hi]
            for p in parts:
                ind = p.ind
                results += [{"indicator": ind, "population": population, "member_id": m, "member_name": n,
                             "numerator": a, "denominator": b, "value": v, "score": s, "target_met": t}
                            for m, n, a, b, v, s, t in zip(members, names, p.num[lo:hi], p.den[lo:hi],
                                                           p.value[lo:hi], p.score[lo:hi], p.met[lo:hi],
                                                           strict=True)]
            for c in composites:
                scheme = c.scheme
                scores += [{"population": population, "scheme": scheme, "member_id": m, "member_name": n,
                            "score": s, "grade": g, "rank": r, "list_kind": k}
                           for m, n, s, g, r, k in zip(members, names, c.score[lo:hi], c.grade[lo:hi],
                                                       c.rank[lo:hi], c.list_kind[lo:hi], strict=True)]
        return results, scores


def _or_none(values: np.ndarray, keep: np.ndarray) -> list:
    """The values as Python numbers (or bools), None where ``keep`` is False."""
    out = values.astype(object)
    out[~keep] = None
    return out.tolist()


def _from_dicts(listing: Listing, per_area: dict[int, dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(found, num, den) aligned to the listing, from {area: {member: (num, den)}}."""
    n = len(listing.members)
    found, num, den = np.zeros(n, dtype=bool), np.zeros(n), np.zeros(n)
    for area_id, got in per_area.items():
        if not got:
            continue
        lo, hi = listing.bounds[area_id]
        for i in range(lo, hi):
            pair = got.get(listing.members[i])
            if pair is not None:
                found[i] = True
                num[i], den[i] = pair
    return found, num, den
