"""The demo history fills the supervision log: the sweeper's ladder runs between its steps, the
scenarios urge by hand, and jiewang.demo.supervision adds the command center's 限期督办."""

from __future__ import annotations

import datetime as dt

import pytest

NOW = dt.datetime(2026, 11, 30, 3, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_demo_history_produces_entries():
    from jiewang.demo.seeding import seed_demo
    from jiewang.supervision.models import SupervisionEntry

    result = seed_demo(scale="small", seed=7, history=1, history_rate=0.05, now=NOW, strict_history=True)
    kinds = set(SupervisionEntry.objects.values_list("source", "kind"))
    assert {("ladder", "remind"), ("ladder", "supervise"), ("manual", "supervise")} <= kinds, kinds
    assert result.counts["supervision by hand"] > 0
    assert SupervisionEntry.objects.filter(source="manual", issued_by__username__in=["commander", "duty_leader"]) \
        .count() == result.counts["supervision by hand"]
    assert SupervisionEntry.objects.exclude(outcome="open").exists()  # staff acted afterwards
    assert not SupervisionEntry.objects.filter(issued_at__gt=NOW).exists()
    # each rung of each clock once
    ladder = SupervisionEntry.objects.filter(source="ladder")
    assert ladder.count() == len(set(ladder.values_list("deadline_id", "stage")))
