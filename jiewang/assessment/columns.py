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

import numpy as np

from jiewang.events.choices import EventChannel, EventSource, EventStatus, Satisfaction

from .choices import Population
from .rounding import round_half_up

# The owner column of an event for a region population (or the reporter, for grid workers), and
# the unit column of a lead assignment for a unit population.
REGION_COLUMN = {Population.TOWN: 0, Population.COMMUNITY: 1, Population.GRID: 2, Population.GRID_WORKER: 3}
UNIT_INDEX = {Population.DEPARTMENT: 0, Population.POST: 1, Population.BOARD: 2}
PUBLIC_CHANNELS = (EventChannel.RESIDENT_WEB, EventChannel.OPEN311, EventChannel.HOTLINE)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
HOTLINE_WEIGHT = {Satisfaction.SATISFIED: 1.0, Satisfaction.BASICALLY: 0.9}
SHIFT = np.int64(1) << np.int64(32)


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
    """One formula's counts for every area of one depth: sorted by (area, member)."""

    def __init__(self, area: np.ndarray, member: np.ndarray, num: np.ndarray, rounded: bool):
        keep = (area >= 0) & (member >= 0)
        key = area[keep] * SHIFT + member[keep]
        uniq, inverse = np.unique(key, return_inverse=True)
        self.area = uniq // SHIFT
        self.member = (uniq % SHIFT).tolist()
        self.num = np.bincount(inverse, weights=num[keep], minlength=len(uniq)).tolist()
        self.den = np.bincount(inverse, minlength=len(uniq)).astype(np.float64).tolist()
        self.rounded = rounded

    def of(self, area_id: int) -> dict[int, tuple[float, float]]:
        lo, hi = np.searchsorted(self.area, [area_id, area_id + 1])
        if self.rounded:
            return {m: (round_half_up(n, 6), d) for m, n, d in zip(self.member[lo:hi], self.num[lo:hi], self.den[lo:hi],
                                                            strict=True)}
        return dict(zip(self.member[lo:hi], zip(self.num[lo:hi], self.den[lo:hi], strict=True), strict=True))


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
        self._cache: dict[tuple, Counts] = {}

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

    def _counts(self, key: tuple, depth: int, pos: np.ndarray, num: np.ndarray, population: str,
                rounded: bool = False) -> Counts:
        got = self._cache.get(key)
        if got is None:
            rows, member = self._expand(pos, population)
            area = self.nodes[pos[rows], depth] if depth < self.nodes.shape[1] else np.full(len(rows), -1)
            got = self._cache[key] = Counts(area, member, num[rows], rounded)
        return got

    def event_counts(self, formula: str, population: str, area_id: int, depth: int) -> dict | None:
        """{member: (num, den)} of an event formula for the area at ``depth`` (None: not a
        formula counted here)."""
        got = self._cache.get((formula, population, depth))
        if got is not None:
            return got.of(area_id)
        f = self.flags
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
        return self._counts((formula, population, depth), depth, pos, num[pos].astype(np.float64),
                            population).of(area_id)

    def visit_counts(self, formula: str, population: str, area_id: int, depth: int) -> dict | None:
        got = self._cache.get((formula, population, depth))
        if got is not None:
            return got.of(area_id)
        if formula == "satisfaction":
            keep, num = self.v_rated, self.v_satisfied
        elif formula == "hotline_response":
            keep, num = self.v_hotline, self.v_contacted
        elif formula == "hotline_resolution":
            keep, num = self.v_hotline, self.v_resolved
        elif formula == "hotline_satisfaction":
            keep, num = self.v_hotline, self.v_weight
        else:
            return None
        rows = np.flatnonzero(keep)
        return self._counts((formula, population, depth), depth, self.v_pos[rows], num[rows], population,
                            rounded=True).of(area_id)

    def sign_counts(self, population: str, area_id: int, depth: int) -> dict:
        key = ("sign_on_time", population, depth)
        got = self._cache.get(key)
        if got is None:
            area = self.s_nodes[:, depth] if depth < self.s_nodes.shape[1] else np.full(len(self.s_late), -1)
            got = self._cache[key] = Counts(area, self.s_units[UNIT_INDEX[population]],
                                            (~self.s_late).astype(np.float64), False)
        return got.of(area_id)
