"""The clock service: an event whose work ended keeps no running clock (the rating window of a
closed event excepted), the sweeper then touches nothing of it, clocks pause and resume with the
time they had left, and nothing but the clock service writes ``due_at``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from jiewang.dispatching.models import Assignment
from jiewang.dispatching.services.assignments import assignment_sign, event_dispatch
from jiewang.events.models import Deadline, Event, EventActivity
from jiewang.events.services import actions
from jiewang.events.services.clocks import HELD_STATES
from jiewang.events.services.sweep import deadline_sweep
from jiewang.events.testing import make_event

pytestmark = pytest.mark.django_db
FAR = timezone.now() + dt.timedelta(days=400)


def held(event) -> list[tuple[str, str, str]]:
    return sorted(Deadline.objects.filter(event=event, state__in=HELD_STATES)
                  .values_list("kind", "subject_type", "state"))


def sweep_leaves_alone(event) -> None:
    """Sweeping far in the future writes nothing about ``event`` (no activity, no clock change)."""
    rows = EventActivity.objects.filter(event=event).count()
    clocks = list(Deadline.objects.filter(event=event).values_list("id", "state", "stage").order_by("id"))
    deadline_sweep(now=FAR)
    deadline_sweep(now=FAR + dt.timedelta(days=2))
    assert EventActivity.objects.filter(event=event).count() == rows
    assert list(Deadline.objects.filter(event=event).values_list("id", "state", "stage").order_by("id")) == clocks


def test_an_unsigned_assisting_department_leaves_no_clock_on_a_rated_event(tree, people, loop):
    """The story of the issue: the assist never signed for its part; the event was closed and rated."""
    admin = people.admin
    e = make_event(tree, people, loop, "accepted", level="town")
    event_dispatch(event=e, actor=admin, lead=loop.cgj, assists=[loop.sthj])
    lead = Assignment.objects.get(event=e, role="lead")
    assignment_sign(assignment=lead, actor=admin)
    e = actions.event_feedback(event=Event.objects.get(pk=e.pk), actor=admin, comment="已办结")
    e = actions.event_verify(event=Event.objects.get(pk=e.pk), actor=admin, passed=True)
    assert held(e) == [("rate", "", "running")]  # the rating window only
    assist = Assignment.objects.get(event=e, role="assist")
    assert (assist.status, lead.__class__.objects.get(pk=lead.pk).status) == ("withdrawn", "done")
    assert Deadline.objects.get(event=e, kind="sign", subject_type="assignment", subject_id=assist.pk).state == \
        "cancelled"
    e = actions.event_return_visit(event=Event.objects.get(pk=e.pk), actor=admin, contacted=True, resolved=True,
                                   satisfaction="satisfied")
    assert e.status == "rated" and held(e) == []
    assert Event.objects.get(pk=e.pk).due_at is None
    sweep_leaves_alone(e)


@pytest.mark.parametrize("state", ["reported", "dispatched", "handling"])
def test_a_voided_or_merged_or_closed_event_has_no_running_clock(state, tree, people, loop):
    admin = people.admin
    e = make_event(tree, people, loop, state, level="town")
    if state == "reported":
        original = make_event(tree, people, loop, "reported", level="town")
        e = actions.event_void(event=e, actor=admin, reason="重复", duplicate_of=original)
        assert e.duplicate_of_id == original.pk
        assert held(e) == []
    else:
        if state == "dispatched":
            assignment_sign(assignment=e.assignments.get(), actor=admin)
        e = actions.event_feedback(event=Event.objects.get(pk=e.pk), actor=admin, comment="已办结")
        e = actions.event_verify(event=Event.objects.get(pk=e.pk), actor=admin, passed=True)
        assert held(e) == [("rate", "", "running")]
        # The rating window passes quietly (no ladder), then nothing more happens.
        deadline_sweep(now=FAR)
        assert held(e) == [("rate", "", "overdue")]
        assert list(EventActivity.objects.filter(event=e).values_list("action", flat=True))[-1] == \
            "rating_window_closed"
    assert Event.objects.get(pk=e.pk).due_at is None
    sweep_leaves_alone(e)


def test_void_stops_every_clock_including_the_whistles(tree, people, loop):
    from jiewang.dispatching.services.whistles import whistle_blow

    admin = people.admin
    e = make_event(tree, people, loop, "reported", level="town")
    whistle_blow(event=e, actor=admin, departments=[loop.cgj], problem="请到场")
    assert held(e) == [("accept", "", "running"), ("report_in", "summons", "running")]
    e = actions.event_void(event=Event.objects.get(pk=e.pk), actor=admin, reason="无效")
    assert held(e) == []
    assert e.whistles.get().closed_at is not None
    sweep_leaves_alone(e)


def test_one_accept_clock_per_event_after_escalations(tree, people, loop):
    e = make_event(tree, people, loop, "reported", level="town")  # escalated twice on the way
    assert held(e) == [("accept", "", "running")]
    assert Deadline.objects.filter(event=e, kind="accept").count() == 3  # two cancelled, one running


def test_shelving_pauses_and_resuming_keeps_the_time_left(tree, people, loop):
    admin = people.admin
    e = make_event(tree, people, loop, "accepted", level="town")
    clock = Deadline.objects.get(event=e, kind="handle", state="running")
    e = actions.event_shelve(event=e, actor=admin, reason="长期工作")
    paused = Deadline.objects.get(pk=clock.pk)
    assert (paused.state, Event.objects.get(pk=e.pk).due_at) == ("paused", None)
    assert paused.remaining is not None and paused.remaining > dt.timedelta(0)
    sweep_leaves_alone(e)
    e = actions.event_resume(event=Event.objects.get(pk=e.pk), actor=admin)
    resumed = Deadline.objects.get(pk=clock.pk)
    assert resumed.state == "running" and resumed.remaining is None
    assert Event.objects.get(pk=e.pk).due_at == resumed.due_at
    assert held(e) == [("handle", "", "running")]


def test_nothing_but_the_clock_service_writes_due_at():
    """``due_at`` of events is written by ``events/services/clocks.py`` alone (and set once at
    intake, when the row is created)."""
    root = Path(settings.BASE_DIR) / "jiewang"
    writers = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"update\([^)]*\bdue_at=|\.due_at\s*=[^=]|setattr\([^)]*due_at", text):
            writers.append(str(path.relative_to(root)))
    assert writers == [], writers
    assert "def _set_event_due" in (root / "events/services/clocks.py").read_text(encoding="utf-8")
