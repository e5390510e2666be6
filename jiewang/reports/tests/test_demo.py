"""The demo's bulletin (jiewang.demo.bulletins): last month's of the demo town once its
assessment exists; nothing without one; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from jiewang.reports.models import Bulletin

pytestmark = pytest.mark.django_db


def test_demo_bulletin_follows_the_assessment():
    from jiewang.assessment.services.engine import run_compute
    from jiewang.demo.bulletins import demo_town, seed_last_month_bulletin
    from jiewang.demo.seeding import demo_root, seed_demo

    seed_demo(scale="small", seed=1)
    root = demo_root()
    town = demo_town(root)
    today = dt.date(2026, 11, 2)
    assert seed_last_month_bulletin(root, today) is None  # no assessment of October yet
    run_compute(actor=None, area=town, period="2026-10")
    b = seed_last_month_bulletin(root, today)
    assert (b.area_id, b.period, b.version) == (town.id, "2026-10", 1)
    assert seed_last_month_bulletin(root, today) == b and Bulletin.objects.count() == 1
