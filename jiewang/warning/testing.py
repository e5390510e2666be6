"""Test helpers of early warning: reporting events at a time and place, rules, devices, and the
fuzz world (tests/test_api_fuzz.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

# Points inside the test tree's grids (jiewang/core/testing.py).
G1, G2, G3 = (106.06, 29.2), (106.19, 29.2), (106.37, 29.2)


def report(category: str = "LS01", at=G1, *, hours_ago: float = 0.0, title: str = "路灯不亮", description: str = ""):
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.intake import event_report

    when = timezone.now() - dt.timedelta(hours=hours_ago)
    event, _ = event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code=category),
                            lon=at[0], lat=at[1], title=title, description=description, reported_at=when)
    return event


def rule(area, kind: str, params: dict, name: str = "测试规则"):
    from .services.rules import rule_create

    return rule_create(actor=None, area=area, kind=kind, name=name, params=params)


def device(area, at=G1, name="1号水位计"):
    from .services.devices import device_create

    return device_create(actor=None, area=area, name=name, lon=at[0], lat=at[1])


def evaluate():
    from .services.engine import evaluate_events, evaluate_readings

    return evaluate_events() + evaluate_readings()


def warning_world(tree, people, loop) -> dict:
    """A rule, an open keyword alert and a device in 一街道, for the API fuzz run."""
    from .services.rules import DEFAULT_KEYWORDS

    r = rule(tree.t1, "keyword", {"words": DEFAULT_KEYWORDS})
    report(title="农民工讨薪")
    alert = evaluate()[0]
    dev, _ = device(tree.t1)
    return {"rule_id": r.pk, "alert_id": alert.pk, "device_id": dev.pk}
