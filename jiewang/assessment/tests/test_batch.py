"""The level batch's composites, ranks, grades and lists (assessment.batch.SchemeColumns) equal the
run-by-run engine's (engine._rank over the composites summed member by member), on random scores
with many ties, many areas of different sizes, weights of 0, members without data, and list rules
with and without score bounds."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from jiewang.assessment.batch import Listing, SchemeColumns
from jiewang.assessment.models import ListRule
from jiewang.assessment.rounding import round_half_up
from jiewang.assessment.services.engine import _rank, grade


def _engine(listing, parts, rule):
    rows = []
    for lo, hi in listing.bounds.values():
        area_rows = []
        for i in range(lo, hi):
            w = ws = 0.0
            for p in parts:
                if p.ind.weight > 0 and p.has[i]:
                    w += p.ind.weight
                    ws += p.ind.weight * p.score_arr[i]
            area_rows.append({"population": "grid", "scheme": "general", "member_id": listing.members[i],
                              "member_name": "", "score": round_half_up(ws / w, 2) if w else None})
        rows += _rank(area_rows, {"grid": rule})
    return [(r["score"], r["rank"], r["grade"], r["list_kind"]) for r in rows]


@pytest.mark.parametrize("seed", range(12))
def test_composites_ranks_and_lists_equal_the_engines(seed):
    rnd = random.Random(seed)
    per_area = []
    member = 0
    for area_id in range(1, rnd.randint(2, 9)):
        n = rnd.choice([0, 1, 2, 3, 5, 8, 20])
        per_area.append((area_id * 10, [(member + k, "") for k in range(n)]))
        member += n
    listing = Listing(per_area)
    size = len(listing.members)
    parts = []
    for _ in range(rnd.randint(1, 4)):
        has = np.array([rnd.random() < 0.8 for _ in range(size)], dtype=bool)
        # few distinct scores: ties within an area are common
        score = np.array([rnd.choice([0.0, 40.0, 59.995, 60.0, 75.5, 88.8888, 90.0, 100.0]) for _ in range(size)])
        weight = rnd.choice([0.0, 1.0, 10.0, 20.0, 0.5])
        parts.append(SimpleNamespace(ind=SimpleNamespace(weight=weight), has=has, score_arr=score))
    rule = ListRule(population="grid", red_top_n=rnd.choice([0, 1, 3, 10]), black_bottom_n=rnd.choice([0, 1, 3, 10]),
                    red_min_score=rnd.choice([None, 60.0, 95.0]), black_max_score=rnd.choice([None, 41.0, 60.0]))
    got = SchemeColumns("general", listing, parts, rule, grade)
    assert list(zip(got.score, got.rank, got.grade, got.list_kind, strict=True)) == _engine(listing, parts, rule)
