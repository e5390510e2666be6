"""Columnar counting over a shared frame (:class:`~jiewang.assessment.formulas.Frame`).

A month of a whole city is about a thousand runs (every town and district), each asking every
event formula for every population. Counting event by event in Python for each run costs seconds
for a month a column store answers in one pass. :class:`Columns` holds the frame's rows as numpy
arrays — one entry per event read (its members and the area ids on its path), one per return
visit, one per sign-for clock — and counts a formula for *every* area of one level at once:
``(area, member) → (numerator, denominator)``, grouped by ``np.unique`` and summed by
``np.bincount`` in the rows' order (the same float sums as the per-event loop). A run then takes
its area's slice.

The numbers are those of the per-event functions in :mod:`~jiewang.assessment.formulas` (held equal
by ``tests/test_columns.py`` and by ``bench.city_bench assessment``). Exclusions are not applied
here: a run with an approved exclusion counts through the per-event path.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np

from jiewang.events.choices import EventChannel, EventSource, EventStatus, Satisfaction

from .choices import Population
from .rounding import round_half_up_array

# The owner column of an event for a region population (or the reporter, for grid workers), and
# the unit column of a lead assignment for a unit population.
REGION_COLUMN = {Population.TOWN: 0, Population.COMMUNITY: 1, Population.GRID: 2, Population.GRID_WORKER: 3}
UNIT_INDEX = {Population.DEPARTMENT: 0, Population.POST: 1, Population.BOARD: 2}
PUBLIC_CHANNELS = (EventChannel.RESIDENT_WEB, EventChannel.OPEN311, EventChannel.HOTLINE)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
HOTLINE_WEIGHT = {Satisfaction.SATISFIED: 1.0, Satisfaction.BASICALLY: 0.9}
SHIFT = np.int64(1) << np.int64(32)
# a return-visit formula: (the visits it counts, its numerator per visit), as Columns' attributes
VISIT_FORMULAS = {"satisfaction": ("v_rated", "v_satisfied"), "hotline_response": ("v_hotline", "v_contacted"),
                  "hotline_resolution": ("v_hotline", "v_resolved"), "hotline_satisfaction": ("v_hotline", "v_weight")}


def node_matrix(paths: list[str], nodes: Callable[[str], tuple[int, ...]]) -> np.ndarray:
    """The area ids on each path, one row per path, one column per depth (−1 past its end)."""
    split = [nodes(p) for p in paths]
    depth = max((len(s) for s in split), default=1)
    out = np.full((len(split), depth), -1, dtype=np.int64)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(split):
        by_length.setdefault(len(s), []).append(i)
    for length, rows in by_length.items():
        if length:
            out[rows, :length] = np.array([split[i] for i in rows], dtype=np.int64)
    return out


def ids(values) -> np.ndarray:
    return np.fromiter((-1 if v is None else v for v in values), dtype=np.int64)


class Counts:
    """One formula's counts for every area of one depth, sorted by (area, member): ``keys`` (area ×
    2³² + member), ``num`` and ``den`` as arrays. A visit formula's numerators (sums of 0.9s) are
    rounded to 6 decimals (``rounded``), as the per-event path rounds them."""

    def __init__(self, area: np.ndarray, member: np.ndarray, num: np.ndarray, rounded: bool):
        keep = (area >= 0) & (member >= 0)
        key = area[keep] * SHIFT + member[keep]
        self.keys, inverse = np.unique(key, return_inverse=True)
        self.area = self.keys // SHIFT
        num = np.bincount(inverse, weights=num[keep], minlength=len(self.keys))
        self.num = round_half_up_array(num, 6) if rounded else num
        self.den = np.bincount(inverse, minlength=len(self.keys)).astype(np.float64)

    @cached_property
    def _lists(self) -> tuple[list, list, list]:
        return (self.keys % SHIFT).tolist(), self.num.tolist(), self.den.tolist()

    def of(self, area_id: int) -> dict[int, tuple[float, float]]:
        """{member: (num, den)} of one area."""
        lo, hi = np.searchsorted(self.area, [area_id, area_id + 1])
        member, num, den = self._lists
        return dict(zip(member[lo:hi], zip(num[lo:hi], den[lo:hi], strict=True), strict=True))

    def aligned(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(found, num, den) for the (area × 2³² + member) ``keys``, in their order (0 where not found)."""
        if not len(self.keys):
            zero = np.zeros(len(keys))
            return np.zeros(len(keys), dtype=bool), zero, zero
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        found = self.keys[at] == keys
        return found, np.where(found, self.num[at], 0.0), np.where(found, self.den[at], 0.0)


class Columns:
    """The frame's rows as columns (see the module's docstring)."""

    def __init__(self, frame):
        from .formulas import _nodes

        eids = np.array(sorted(frame.cols), dtype=np.int64)
        self.eids = eids
        n = len(eids)
        owners = [frame.cols[e] for e in eids.tolist()]
        self.owner = [ids(col) for col in zip(*owners, strict=True)] if n else [np.zeros(0, np.int64)] * 4
        self.nodes = node_matrix([frame.paths[e] for e in eids.tolist()], _nodes)
        # the events the scan counted, as flags aligned with ``eids``
        flags = {k: np.zeros(n, dtype=bool) for k in ("c", "o", "a", "p", "late", "ext", "rework", "public",
                                                    "voided")}
        if frame.rows:
            cols = list(zip(*frame.rows, strict=True))
            at = np.searchsorted(eids, np.array(cols[0], dtype=np.int64))
            for name, k in (("c", 10), ("o", 11), ("a", 12), ("p", 13), ("late", 14), ("ext", 15)):
                flags[name][at] = np.array(cols[k], dtype=bool)
            flags["rework"][at] = np.array(cols[6], dtype=np.int64) > 0
            channel, source, status = (np.array(cols[k], dtype=object) for k in (7, 8, 9))
            flags["public"][at] = np.isin(channel, list(PUBLIC_CHANNELS)) & (source == EventSource.COMPLAINT)
            flags["voided"][at] = status == EventStatus.VOIDED
        self.flags = flags
        # lead units: (event position, member) distinct pairs per unit population, sorted by event
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        lead_eid, lead_units = [], []
        for eid, units in frame.leads.items():
            for u in units:
                lead_eid.append(eid)
                lead_units.append(u)
        lead_pos = np.searchsorted(eids, np.array(lead_eid, dtype=np.int64))
        for population, k in UNIT_INDEX.items():
            member = ids(u[k] for u in lead_units)
            keep = member >= 0
            pair = np.unique(lead_pos[keep] * SHIFT + member[keep])
            self.pairs[population] = (pair // SHIFT, pair % SHIFT)
        # return visits: (event position, satisfaction, contacted, resolved, hotline), in id order
        visits = frame.visit_rows
        self.v_pos = np.searchsorted(eids, np.fromiter((v[0] for v in visits), dtype=np.int64, count=len(visits)))
        sat = [((v[6] or {}).get("satisfaction") or "") for v in visits]
        self.v_rated = np.array([s != "" for s in sat], dtype=bool)
        self.v_satisfied = np.array([s in SATISFIED for s in sat], dtype=np.float64)
        self.v_weight = np.array([HOTLINE_WEIGHT.get(s, 0.0) for s in sat], dtype=np.float64)
        self.v_contacted = np.array([1.0 if (v[6] or {}).get("contacted") else 0.0 for v in visits])
        self.v_resolved = np.array([1.0 if (v[6] or {}).get("resolved") else 0.0 for v in visits])
        self.v_hotline = np.array([v[7] == EventChannel.HOTLINE for v in visits], dtype=bool)
        # sign-for clocks: (late, event, (department, post, board)) with their event's path
        sign = frame.sign_rows
        self.s_late = np.array([bool(c[3]) for c in sign], dtype=bool)
        self.s_units = [ids(frame.sign_units.get(c[0], (None, None, None))[k] for c in sign) for k in range(3)]
        self.s_nodes = node_matrix([c[2] for c in sign], _nodes)
        self._cache: dict[tuple, Counts | None] = {}

    # -- rows → (area, member) -----------------------------------------------------------------

    def _expand(self, pos: np.ndarray, population: str) -> tuple[np.ndarray, np.ndarray]:
        """(row index, member) for rows on the events at ``pos``: one per member the event counts
        for in ``population`` (a region or reporter: its own column; a unit: its lead units)."""
        if population in REGION_COLUMN:
            return np.arange(len(pos)), self.owner[REGION_COLUMN[population]][pos]
        pair_pos, pair_member = self.pairs[population]
        start = np.searchsorted(pair_pos, pos, "left")
        count = np.searchsorted(pair_pos, pos, "right") - start
        rows = np.repeat(np.arange(len(pos)), count)
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
        return rows, pair_member[np.repeat(start, count) + offsets]

    def _counts(self, depth: int, pos: np.ndarray, num: np.ndarray, population: str, rounded: bool = False) -> Counts:
        rows, member = self._expand(pos, population)
        area = self.nodes[pos[rows], depth] if depth < self.nodes.shape[1] else np.full(len(rows), -1)
        return Counts(area, member, num[rows], rounded)

    def counts(self, formula: str, population: str, depth: int) -> Counts | None:
        """The counts of ``formula`` in ``population`` for every area at ``depth`` (None: not a
        formula counted here), made once."""
        key = (formula, population, depth)
        got = self._cache.get(key, False)
        if got is False:
            got = self._cache[key] = self._make(formula, population, depth)
        return got

    def _make(self, formula: str, population: str, depth: int) -> Counts | None:
        f = self.flags
        if formula == "sign_on_time":
            area = self.s_nodes[:, depth] if depth < self.s_nodes.shape[1] else np.full(len(self.s_late), -1)
            return Counts(area, self.s_units[UNIT_INDEX[population]], (~self.s_late).astype(np.float64), False)
        visit = VISIT_FORMULAS.get(formula)
        if visit is not None:
            keep, num = getattr(self, visit[0]), getattr(self, visit[1])
            rows = np.flatnonzero(keep)
            return self._counts(depth, self.v_pos[rows], num[rows], population, rounded=True)
        if formula == "closed_on_time":
            den, num = f["c"], f["c"] & ~f["late"]
        elif formula == "closure_rate":
            den, num = f["c"] | (f["o"] & f["late"]), f["c"]
        elif formula == "rework_rate":
            den, num = f["c"], f["c"] & f["rework"]
        elif formula == "overdue_rate":
            den = f["c"] | f["o"]
            num = den & f["late"]
        elif formula == "extension_rate":
            den, num = f["c"], f["c"] & f["ext"]
        elif formula == "public_report_rate":
            den, num = f["a"], f["a"] & f["public"]
        elif formula == "valid_report_rate":
            den, num = f["p"], f["p"] & ~f["voided"]
        else:
            return None
        pos = np.flatnonzero(den)
        return self._counts(depth, pos, num[pos].astype(np.float64), population)
