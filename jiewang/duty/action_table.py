"""The duty's row of the action registry (:mod:`jiewang.events.registry`): acknowledging an
alarm (响应告警), a verb on the event's alarm. Its API routes (``POST /api/alarms/{id}/acknowledge``
and ``POST /api/events/{number}/acknowledge-alarm``) and its form on the event page and in the
command center's alarm banner come from this row. Registered in ``DutyConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jiewang.accounts.choices import Role
from jiewang.events.choices import EventStatus
from jiewang.events.lifecycle import ENDED
from jiewang.events.registry import EventAction, Response, Subject, register, register_subject

from .choices import AlarmState
from .models import Alarm
from .schemas import AcknowledgeIn, AlarmOut, alarm_out


def _describe(a: Alarm) -> str:
    return f"{a.get_severity_display()} · {a.get_stage_display()}"


SUBJECT = Subject(
    "alarm", "alarm_id", "alarms",
    load=lambda pk: Alarm.objects.select_related("event", "town", "duty_leader", "acknowledged_by")
    .filter(pk=pk).first(),
    event_id_of=lambda a: a.event_id,
    candidates=lambda event: list(Alarm.objects.filter(event=event, state=AlarmState.OPEN)),
    describe=_describe,
)


def _acknowledge(ctx, payload):
    from .services.alarms import alarm_acknowledge

    return alarm_acknowledge(alarm=ctx.subject, actor=ctx.user, note=payload.note)


ROWS = (
    EventAction(
        "acknowledge_alarm", "响应告警", _("Acknowledge the alarm"),
        frozenset({Role.DUTY_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.TOWN_LEADER, Role.DISTRICT_ADMIN}),
        AcknowledgeIn, run=_acknowledge, response=Response(200, AlarmOut, lambda alarm, ctx: alarm_out(alarm)),
        statuses=frozenset(EventStatus.values) - ENDED, subject="alarm",
        subject_ok=lambda a: True if a.state == AlarmState.OPEN else "alarm.not_open",
        path="acknowledge-alarm", subject_path="acknowledge", surfaces=frozenset({"event_page", "command"}),
        labels={"note": _("What is being done (optional)")}, primary=True, done=_("Alarm acknowledged."),
        description="A leader answers the alarm of an urgent event: its response clock stops."),
)


def register_rows() -> None:
    register_subject(SUBJECT)
    register(*ROWS)
