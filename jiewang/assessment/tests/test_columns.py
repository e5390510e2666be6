"""The columnar counts (:mod:`jiewang.assessment.columns`) equal the per-event formulas for every
area of the tree — the city, districts, towns, communities, grids — every formula they count and
every population, on the October story (its events closed, open, late, extended, reworked, rated,
on patrol, signed for late); and a run with an approved exclusion is counted event by event."""

from __future__ import annotations

import pytest

from jiewang.areas.models import Area
from jiewang.assessment import formulas
from jiewang.assessment.choices import Population
from jiewang.assessment.formulas import Context, Frame
from jiewang.assessment.services.periods import parse_period

pytestmark = pytest.mark.django_db

COLUMNAR = ["closed_on_time", "closure_rate", "rework_rate", "overdue_rate", "extension_rate", "public_report_rate",
            "valid_report_rate", "satisfaction", "hotline_response", "hotline_resolution", "hotline_satisfaction",
            "sign_on_time"]


def test_columns_equal_the_per_event_formulas_everywhere(october, tree):
    kind, start, end = parse_period("2026-10")
    frame = Frame(tree.city.path, start, end)
    compared = with_data = 0
    for area in Area.objects.filter(path__startswith=tree.city.path).order_by("path"):
        for key in COLUMNAR:
            fdef = formulas.FORMULAS[key]
            for population in sorted(fdef.populations):
                ctx = Context(area_path=area.path, start=start, end=end, frame=frame, area_id=area.pk)
                got = frame.columnar(ctx, key, population, set())
                want = fdef.fn(Context(area_path=area.path, start=start, end=end), population, set())
                assert got == want, (area.name, key, population)
                compared += 1
                with_data += bool(want)
    assert compared > 500 and with_data > 50  # the story has numbers to compare


def test_an_exclusion_is_counted_event_by_event(october, tree):
    kind, start, end = parse_period("2026-10")
    frame = Frame(tree.city.path, start, end)
    ctx = Context(area_path=tree.t1.path, start=start, end=end, frame=frame, area_id=tree.t1.pk)
    assert frame.columnar(ctx, "closed_on_time", Population.COMMUNITY, {october.e2.pk}) is None
    every = frame.columnar(ctx, "closed_on_time", Population.COMMUNITY, set())
    less = formulas.FORMULAS["closed_on_time"].fn(ctx, Population.COMMUNITY, {october.e2.pk})
    assert sum(d for _n, d in every.values()) == sum(d for _n, d in less.values()) + 1


def test_a_formula_not_counted_in_columns_is_left_to_its_function(october, tree):
    kind, start, end = parse_period("2026-10")
    frame = Frame(tree.city.path, start, end)
    ctx = Context(area_path=tree.t1.path, start=start, end=end, frame=frame, area_id=tree.t1.pk)
    assert frame.columnar(ctx, "report_in_rate", Population.DEPARTMENT, set()) is None
