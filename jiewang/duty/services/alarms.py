"""Alarms (告警): an urgent or major event alarms the town's duty at once, with a response clock.

Raised by the intake hook (:func:`on_intake`, registered with
``events.services.intake.register_intake_hook``) for every urgent (紧急) or emergency (重大) event:
the day's duty leader on the roster and the town's commander get an inbox line and a text (the
pluggable SMS sender). The clock (``DUTY_ALARM_RESPONSE_MINUTES``, default 15) runs until
somebody answers (:func:`alarm_acknowledge`, the registry's ``acknowledge_alarm``). Unanswered,
:func:`alarm_sweep` (the worker's ``duty.alarm_sweep``) climbs: to the commander and the deputy
commanders, then after a second period to the district's administrators. Each rung is a
conditional UPDATE on ``stage`` in the transaction that writes its notifications, timeline row and
audit row, so it fires exactly once however many sweepers run. An event whose work ends (closed,
voided, merged) cancels its open alarm (a transition hook).

The alarm's clock is its own (``respond_by``/``next_step_at`` on the row), not one of the event's
``Deadline`` rows: it is the duty's clock, about people answering, and it never moves the event.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.accounts.choices import Role
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict
from jiewang.events.choices import Urgency
from jiewang.events.lifecycle import ENDED
from jiewang.events.registry import authorize
from jiewang.events.services.transition import event_note
from jiewang.notifications.services import notify

from ..choices import AlarmSeverity, AlarmStage, AlarmState
from ..models import Alarm, DutyDay
from .common import holders, hhmm, local_date

SEVERITY = {Urgency.URGENT: AlarmSeverity.URGENT, Urgency.EMERGENCY: AlarmSeverity.MAJOR}
# An event reported longer ago than this (a backdated import of history) raises no alarm: an
# alarm is news, and nobody could answer it in time.
MAX_AGE = dt.timedelta(hours=24)
BATCH = 500


def response_period() -> dt.timedelta:
    return dt.timedelta(minutes=float(getattr(settings, "DUTY_ALARM_RESPONSE_MINUTES", 15)))


def duty_leader_on(town, day: dt.date):
    row = DutyDay.objects.select_related("leader").filter(town=town, date=day).first()
    return row.leader if row is not None and row.leader is not None and row.leader.is_active else None


def commanders(town):
    return holders(town, [Role.COMMANDER])


def _texts(alarm: Alarm, stage: int) -> tuple[str, str]:
    """(title, body) of the alarm's message at ``stage``, in the deployment's language, with local
    times (Asia/Shanghai): the same text goes to the inbox and to SMS."""
    event = alarm.event
    with translation.override(settings.LANGUAGE_CODE):
        severity = str(AlarmSeverity(alarm.severity).label)
        args = {"severity": severity, "title": event.title, "number": event.number, "town": alarm.town.name,
                "reported": hhmm(event.reported_at), "raised": hhmm(alarm.raised_at),
                "deadline": hhmm(alarm.next_step_at or alarm.respond_by)}
        if stage == AlarmStage.RAISED:
            return (_("%(severity)s alarm: %(title)s") % args,
                    _("%(number)s, %(town)s, reported %(reported)s. Acknowledge by %(deadline)s.") % args)
        if stage == AlarmStage.COMMANDER:
            return (_("Unanswered %(severity)s alarm: %(title)s") % args,
                    _("%(number)s, %(town)s: raised %(raised)s, nobody acknowledged; escalated to the commander. "
                      "Acknowledge by %(deadline)s.") % args)
        return (_("Unanswered %(severity)s alarm: %(title)s") % args,
                _("%(number)s, %(town)s: raised %(raised)s, nobody acknowledged; escalated to the district.") % args)


def _tell(alarm: Alarm, users: list, stage: int) -> list[int]:
    users = [u for u in dict.fromkeys(users) if u is not None]
    title, body = _texts(alarm, stage)
    notify(users=users, kind="duty.alarm", title=title, body=body, event_number=alarm.event.number,
           url=f"/events/{alarm.event.number}/", sms=True)
    ids = [u.pk for u in users if u.is_active]
    Alarm.objects.filter(pk=alarm.pk).update(notified=[*alarm.notified, *({"user": i, "stage": stage} for i in ids)])
    return ids


def on_intake(event) -> None:
    """Intake hook: an urgent or major event alarms its town's duty (no query for others)."""
    if event.urgency not in SEVERITY:
        return
    now = timezone.now()
    if now - event.reported_at > MAX_AGE:
        return
    alarm_raise(event=event, at=now)


def alarm_raise(*, event, at: dt.datetime | None = None) -> Alarm | None:
    """Raise the alarm of ``event`` (the system does, at intake): to the duty leader on the roster
    of the day and the town's commanders. Does nothing for an ordinary event or one that has an
    alarm already (one per event)."""
    if event.urgency not in SEVERITY:
        return None
    at = at or timezone.now()
    if Alarm.objects.filter(event_id=event.pk).exists():
        return None
    town = event.town
    leader = duty_leader_on(town, local_date(at))
    period = response_period()
    try:
        with transaction.atomic():
            alarm = Alarm.objects.create(event=event, town=town, severity=SEVERITY[event.urgency], raised_at=at,
                                         respond_by=at + period, next_step_at=at + period, duty_leader=leader)
    except IntegrityError:  # raised concurrently
        return None
    told = _tell(alarm, [leader, *commanders(town)], AlarmStage.RAISED)
    with translation.override(settings.LANGUAGE_CODE):
        comment = (_("Alarm raised to the duty leader and the commander") if leader is not None
                   else _("Alarm raised to the commander (no duty leader on the roster today)"))
    event_note(event=event, action="alarm", actor=None, role="system", comment=comment,
               data={"alarm": alarm.pk, "stage": AlarmStage.RAISED, "notified": told}, at=at)
    audit_record(actor=None, action="alarm.raise", obj=alarm,
                 data={"event": event.number, "severity": alarm.severity, "duty_leader": leader.pk if leader else None,
                       "notified": told, "respond_by": alarm.respond_by.isoformat()})
    return alarm


@transaction.atomic
def alarm_acknowledge(*, alarm: Alarm, actor, note: str = "", at: dt.datetime | None = None) -> Alarm:
    """Answer the alarm (响应): its clock stops and it climbs no further. 404 outside the actor's
    scope, 409 ``alarm.not_open`` when already answered or cancelled, 403 for a role that does not
    answer alarms (operators)."""
    event = alarm.event
    role = authorize("acknowledge_alarm", actor=actor, event=event, subject=alarm)
    at = at or timezone.now()
    note = (note or "").strip()
    done = Alarm.objects.filter(pk=alarm.pk, state=AlarmState.OPEN).update(
        state=AlarmState.ACKNOWLEDGED, acknowledged_at=at, acknowledged_by=actor, note=note[:500],
        next_step_at=None, closed_at=at)
    if not done:  # answered by someone else meanwhile
        raise Conflict("告警已响应 / The alarm was answered already.", code="alarm.not_open")
    alarm.refresh_from_db()
    # Everyone the alarm reached hears that it was answered (inbox only: the texts were the alarm).
    told = {n["user"] for n in alarm.notified} - {getattr(actor, "pk", None)}
    if told:
        from jiewang.accounts.models import User

        with translation.override(settings.LANGUAGE_CODE):
            title = _("Alarm acknowledged by %(who)s: %(title)s") % {"who": actor, "title": event.title}
        notify(users=User.objects.filter(pk__in=told), kind="duty.alarm_acknowledged", title=title,
               body=note or event.number, event_number=event.number, url=f"/events/{event.number}/")
    event_note(event=event, action="acknowledge_alarm", actor=actor, role=role, comment=note,
               data={"alarm": alarm.pk, "stage": alarm.stage}, at=at)
    audit_record(actor=actor, action="alarm.acknowledge", obj=alarm,
                 data={"event": event.number, "stage": alarm.stage, "note": note,
                       "seconds": int((at - alarm.raised_at).total_seconds())})
    return alarm


LADDER = (
    (AlarmStage.RAISED, AlarmStage.COMMANDER, "escalated_commander_at"),
    (AlarmStage.COMMANDER, AlarmStage.DISTRICT, "escalated_district_at"),
)


def _rung_recipients(alarm: Alarm, stage: int) -> list:
    town = alarm.town
    if stage == AlarmStage.COMMANDER:
        users = holders(town, [Role.COMMANDER, Role.DEPUTY_COMMANDER])
        return users or holders(town, [Role.TOWN_LEADER])
    district = town.parent
    return holders(district, [Role.DISTRICT_ADMIN]) if district is not None else []


def alarm_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Climb every unanswered alarm whose clock ran out at ``now`` one rung. Idempotent: a rung
    fires once (the conditional UPDATE on ``stage``), so running it again does nothing."""
    now = now or timezone.now()
    period = response_period()
    done = {"commander": 0, "district": 0}
    for stage, next_stage, stamp in LADDER:
        ids = list(Alarm.objects.filter(state=AlarmState.OPEN, stage=stage, next_step_at__lte=now)
                   .order_by("next_step_at").values_list("id", flat=True)[:BATCH])
        for pk in ids:
            with transaction.atomic():
                moved = Alarm.objects.filter(pk=pk, state=AlarmState.OPEN, stage=stage, next_step_at__lte=now).update(
                    stage=next_stage, next_step_at=now + period if next_stage == AlarmStage.COMMANDER else None,
                    **{stamp: now})
                if not moved:
                    continue
                alarm = Alarm.objects.select_related("event", "town", "town__parent").get(pk=pk)
                told = _tell(alarm, _rung_recipients(alarm, next_stage), next_stage)
                with translation.override(settings.LANGUAGE_CODE):
                    comment = (_("Alarm unanswered: escalated to the commander") if next_stage == AlarmStage.COMMANDER
                               else _("Alarm unanswered: escalated to the district"))
                event_note(event=alarm.event, action="alarm_escalate", actor=None, role="system", comment=comment,
                           data={"alarm": pk, "stage": int(next_stage), "notified": told}, at=now)
                audit_record(actor=None, action="alarm.escalate", obj=alarm,
                             data={"stage": int(next_stage), "notified": told, "at": now.isoformat()})
                done["commander" if next_stage == AlarmStage.COMMANDER else "district"] += 1
    return done


def run_periodic_sweep() -> dict[str, int]:
    """Worker entry point."""
    return alarm_sweep()


def on_transition(event, activity) -> None:
    """Transition hook: an event whose work ended cancels its open alarm (nothing left to answer).
    No query for an ordinary event."""
    if event.urgency not in SEVERITY or activity.to_status not in ENDED:
        return
    Alarm.objects.filter(event_id=event.pk, state=AlarmState.OPEN).update(
        state=AlarmState.CANCELLED, next_step_at=None, closed_at=activity.at)
