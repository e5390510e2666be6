"""Every activity the deadline sweep writes has a zh-Hans label on the event's timeline (a
commander once read "deadline_warning", "overdue" and "escalate_overdue" there)."""

from __future__ import annotations

import inspect
import re

from django.utils import translation

from jiewang.events.services import sweep
from jiewang.web.events.views import action_label


def sweep_actions() -> set[str]:
    source = inspect.getsource(sweep)
    written = set(re.findall(r'_activities\([^,]+, "([a-z_]+)"', source))
    return written | {step for _stage, step, _comment in sweep.LADDER.values()}


def test_the_sweeps_steps_read_in_chinese_on_the_timeline():
    actions = sweep_actions()
    assert {"deadline_warning", "overdue", "rating_window_closed", "remind", "supervise", "escalate_overdue"} <= actions
    with translation.override("zh-hans"):
        labels = {a: action_label(a) for a in actions}
    assert {a: label for a, label in labels.items() if not re.search(r"[\u4e00-\u9fff]", label)} == {}
    assert (labels["deadline_warning"], labels["escalate_overdue"]) == ("临期预警", "超期升级")
