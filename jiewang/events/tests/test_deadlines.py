"""Deadline clocks across China's real calendar, through the event services.

2026: National Day break Thu 1 – Wed 7 October; Saturday 10 October is a make-up working day
(Sunday 20 September too). Working hours 09:00–12:00 and 13:30–17:30 (7 h a day). All times
Asia/Shanghai.
"""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from jiewang.events.models import Deadline, Event, MatterCategory
from jiewang.events.services import actions
from jiewang.events.services.clocks import clock_start, limit_for
from jiewang.events.services.intake import event_report
from jiewang.events.services.sweep import deadline_sweep

SH = ZoneInfo("Asia/Shanghai")
IN_G1 = {"lon": 106.05, "lat": 29.2}
LIMITS = {"normal": {"accept": [2, "working_hours"], "handle": [3, "working_days"]}}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def frozen(moment):
    """Freeze ``timezone.now()`` for every service (they all call ``django.utils.timezone.now``
    through the module, so patching the module attribute reaches them)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def category(db):
    return MatterCategory.objects.create(code="T3WD", name="三个工作日事项", board_kind="safety", deadlines=LIMITS)


def report(people, category, when, **kw):
    kw.setdefault("channel", "hotline")
    kw.setdefault("actor", people.town_operator)
    with frozen(when):
        event, created = event_report(category=category, title="路灯不亮", reported_at=when, **IN_G1, **kw)
    assert created
    return event


def accept(people, event, when):
    with frozen(when):
        return actions.event_accept(event=Event.objects.get(pk=event.pk), actor=people.town_operator)


def open_clocks(event, kind):
    return list(Deadline.objects.filter(event=event, kind=kind, state__in=["running", "warned", "overdue"]))


@pytest.mark.django_db
def test_handle_clock_spans_national_day_to_the_make_up_saturday(tree, people, category):
    event = report(people, category, at(2026, 9, 30, 10, 0))
    assert event.level == "town" and event.reported_at == at(2026, 9, 30, 10, 0)
    [acc] = open_clocks(event, "accept")
    # 2 working hours from Wed 10:00 → 12:00; warned at 80 % (1 h 36 min)
    assert (acc.started_at, acc.due_at, acc.warn_at) == (at(2026, 9, 30, 10), at(2026, 9, 30, 12),
                                                         at(2026, 9, 30, 11, 36))

    event = accept(people, event, at(2026, 9, 30, 10, 0))
    assert event.status == "accepted" and event.accepted_at == at(2026, 9, 30, 10, 0)
    acc.refresh_from_db()
    assert (acc.state, acc.closed_at) == ("met", at(2026, 9, 30, 10, 0))
    [handle] = open_clocks(event, "handle")
    # Sep 30 + 3 working days: Oct 8 (Thu), Oct 9 (Fri), Oct 10 (Sat, make-up day) → Oct 10 10:00
    assert handle.due_at == at(2026, 10, 10, 10, 0)
    assert handle.due_at.astimezone(SH).isoformat() == "2026-10-10T10:00:00+08:00"
    # 80 % of the 21 working hours = 16 h 48 min: Sep 30 (6 h) + Oct 8 (7 h) + Oct 9 09:00–14:18
    assert handle.warn_at == at(2026, 10, 9, 14, 18)
    assert Event.objects.get(pk=event.pk).due_at == at(2026, 10, 10, 10, 0)

    # the sweeper agrees: nothing in the holiday, a warning on Friday afternoon, overdue Saturday
    assert deadline_sweep(now=at(2026, 10, 5, 12, 0)).total == 0
    assert deadline_sweep(now=at(2026, 10, 9, 14, 18)).warned == 1
    assert deadline_sweep(now=at(2026, 10, 10, 9, 59, 59)).overdue == 0
    assert deadline_sweep(now=at(2026, 10, 10, 10, 0)).overdue == 1
    assert Event.objects.get(pk=event.pk).is_overdue is True


@pytest.mark.django_db
def test_deadline_open_directly(tree, people, category):
    event = report(people, category, at(2026, 9, 30, 10, 0))
    d = clock_start(event=event, kind="handle", start=at(2026, 9, 30, 10, 0))
    assert (d.due_at, d.warn_at) == (at(2026, 10, 10, 10, 0), at(2026, 10, 9, 14, 18))
    # reported after hours on the last day before the break: counting starts Thu Oct 8 09:00
    d = clock_start(event=event, kind="handle", start=at(2026, 9, 30, 18, 0))
    assert d.due_at == at(2026, 10, 12, 9, 0)  # Oct 9, 10 (Sat, make-up), Oct 12 (Mon; Oct 11 is Sunday)
    # reported in the middle of the holiday
    d = clock_start(event=event, kind="handle", start=at(2026, 10, 3, 15, 0))
    assert d.due_at == at(2026, 10, 12, 9, 0)
    # a new clock of the same kind replaces the open one
    assert len(open_clocks(event, "handle")) == 1
    assert Deadline.objects.filter(event=event, kind="handle", state="cancelled").count() == 2


@pytest.mark.django_db
def test_urgency_falls_back_to_a_share_of_the_normal_limit(tree, people, category):
    assert limit_for(category, "normal", "handle") == (3.0, "working_days")
    assert limit_for(category, "urgent", "handle") == (1.5, "working_days")
    assert limit_for(category, "emergency", "handle") == (pytest.approx(0.3), "working_days")
    assert limit_for(category, "urgent", "accept") == (1.0, "working_hours")
    # no entry at all for the step: the fallback table (5 working days), shortened the same way
    assert limit_for(category, "urgent", "verify") == (0.5, "working_days")

    start = at(2026, 9, 30, 10, 0)
    urgent = report(people, category, start, urgency="urgent")
    [acc] = open_clocks(urgent, "accept")
    assert acc.due_at == at(2026, 9, 30, 11, 0)
    urgent = accept(people, urgent, start)
    # 1.5 working days: Oct 8 10:00, then half a day (3 h 30 min of working time) → Oct 8 15:00
    assert open_clocks(urgent, "handle")[0].due_at == at(2026, 10, 8, 15, 0)

    emergency = accept(people, report(people, category, start, urgency="emergency"), start)
    # 0.3 working days = 2 h 06 min of working time: 10:00–12:00, 13:30–13:36
    assert open_clocks(emergency, "handle")[0].due_at == at(2026, 9, 30, 13, 36)

    # an urgency with its own entry uses it, not the share
    category.deadlines = {**LIMITS, "urgent": {"handle": [4, "calendar_hours"]}}
    category.save()
    own = accept(people, report(people, category, start, urgency="urgent"), start)
    assert open_clocks(own, "handle")[0].due_at == at(2026, 9, 30, 14, 0)


@pytest.mark.django_db
def test_hotline_deadline_is_kept(tree, people, category):
    start = at(2026, 9, 30, 10, 0)
    hotline_due = at(2026, 10, 2, 18, 0)  # the 12345 center counts calendar time, holiday or not
    event = report(people, category, start, external_number="12345-0001", external_due_at=hotline_due)
    assert event.external_due_at == hotline_due and event.due_at == hotline_due
    [handle] = open_clocks(event, "handle")
    assert (handle.started_at, handle.due_at) == (start, hotline_due)
    assert handle.warn_at == at(2026, 10, 2, 6, 48)  # 80 % of 56 clock hours

    event = accept(people, event, start)
    # acceptance does not replace the hotline's deadline by the category's (Oct 10)
    [handle] = open_clocks(event, "handle")
    assert handle.due_at == hotline_due
    assert Event.objects.get(pk=event.pk).due_at == hotline_due
    assert deadline_sweep(now=hotline_due).overdue == 1
    assert Event.objects.get(pk=event.pk).is_overdue is True


@pytest.mark.django_db
def test_warn_time_at_80_percent_of_working_time(tree, people, category, settings):
    event = report(people, category, at(2026, 9, 30, 10, 0))
    # 2 working hours from 11:00: 11:00–12:00 and 13:30–14:30; 80 % = 1 h 36 min → 14:06
    d = clock_start(event=event, kind="accept", start=at(2026, 9, 30, 11, 0))
    assert (d.due_at, d.warn_at) == (at(2026, 9, 30, 14, 30), at(2026, 9, 30, 14, 6))
    # over the holiday: 2 working hours from 17:00 on Sep 30 → Oct 8 10:30, warned Oct 8 10:06
    d = clock_start(event=event, kind="accept", start=at(2026, 9, 30, 17, 0))
    assert (d.due_at, d.warn_at) == (at(2026, 10, 8, 10, 30), at(2026, 10, 8, 10, 6))
    settings.DEADLINE_WARN_SHARE = 0.5
    d = clock_start(event=event, kind="accept", start=at(2026, 9, 30, 17, 0))
    assert d.warn_at == at(2026, 10, 8, 9, 30)  # the first working hour: 17:00–17:30 + Oct 8 09:00–09:30
    assert d.warn_at != d.due_at


@pytest.mark.django_db
def test_extension_approval_moves_the_handle_clock(tree, people, loop):
    from jiewang.dispatching.models import ExtensionRequest
    from jiewang.dispatching.services import assignments as dsvc

    category = MatterCategory.objects.get(code="SL01")
    category.deadlines = LIMITS
    category.save()
    start = at(2026, 9, 30, 10, 0)
    event = accept(people, report(people, category, start), start)
    with frozen(start):
        [lead] = dsvc.event_dispatch(event=Event.objects.get(pk=event.pk), actor=people.town_operator, lead=loop.cgj)
        dsvc.assignment_sign(assignment=lead, actor=loop.cgj_staff)
    [handle] = open_clocks(event, "handle")
    assert handle.due_at == at(2026, 10, 10, 10, 0)
    # Friday 9 October: the department asks for a week more; the center approves at 15:00
    new_due = at(2026, 10, 16, 17, 30)
    with frozen(at(2026, 10, 9, 14, 0)):
        req = dsvc.extension_request(event=Event.objects.get(pk=event.pk), actor=loop.cgj_staff,
                                     requested_due_at=new_due, reason="需协调产权单位")
    assert deadline_sweep(now=at(2026, 10, 9, 14, 30)).warned == 1
    with frozen(at(2026, 10, 9, 15, 0)):
        dsvc.extension_decide(request=req, actor=people.town_operator, approve=True, comment="同意")
    assert ExtensionRequest.objects.get(pk=req.pk).status == "approved"
    handle.refresh_from_db()
    assert (handle.state, handle.closed_at) == ("cancelled", at(2026, 10, 9, 15, 0))
    [moved] = open_clocks(event, "handle")
    assert (moved.state, moved.started_at, moved.due_at) == ("running", at(2026, 10, 9, 15, 0), new_due)
    assert Event.objects.get(pk=event.pk).due_at == new_due
    # the old due time passes quietly; the new one fires
    assert deadline_sweep(now=at(2026, 10, 10, 10, 0)).overdue == 0
    assert Event.objects.get(pk=event.pk).is_overdue is False
    assert deadline_sweep(now=new_due).overdue == 1
    assert Event.objects.get(pk=event.pk).is_overdue is True
