"""The duty log (值班日志) and the handover between shifts (交接班).

A shift is one day of the roster. Its people (the leader and the operators) write the day's log;
at the end of the day the outgoing leader writes the handover and the next day's leader confirms
it, which is the record that the duty passed hands."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed

from ..models import DutyDay, DutyHandover, DutyLogEntry
from ..permissions import DUTY_VIEWERS, ensure_town_role
from .common import local_date

MAX_TEXT = 2000


def on_duty(user, town, day: dt.date) -> bool:
    """Is ``user`` the leader or an operator of ``town``'s roster on ``day``?"""
    row = DutyDay.objects.filter(town=town, date=day).first()
    if row is None or user is None:
        return False
    return row.leader_id == user.pk or row.operators.filter(pk=user.pk).exists()


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("内容必填 / Text is required.", code="validation_failed", fields={field: "required"})
    if len(value) > MAX_TEXT:
        raise ValidationFailed("内容过长 / The text is too long.", code="validation_failed",
                               fields={field: f"max {MAX_TEXT}"})
    return value


@transaction.atomic
def duty_log_add(*, actor, town, body: str, event=None, at: dt.datetime | None = None) -> DutyLogEntry:
    """Write a line in today's log of ``town``. Only the people on today's roster may (403
    ``duty.not_on_duty``); an event named must be the town's (422 ``duty.event_not_in_town``)."""
    ensure_town_role(actor, town, DUTY_VIEWERS)
    at = at or timezone.now()
    day = local_date(at)
    if not on_duty(actor, town, day):
        raise PermissionDenied("只有当班人员可以记录值班日志 / Only the people on duty today may write the log.",
                               code="duty.not_on_duty")
    body = _text(body, "body")
    if event is not None and event.town_id != town.pk:
        raise ValidationFailed("该事件不属于本镇街 / The event is not this town's.", code="duty.event_not_in_town",
                               fields={"event_number": event.number})
    entry = DutyLogEntry.objects.create(town=town, date=day, author=actor, at=at, body=body, event=event)
    audit_record(actor=actor, action="duty_log.add", obj=entry,
                 data={"town": town.pk, "date": day.isoformat(), "event": event.number if event else None})
    return entry


@transaction.atomic
def handover_write(*, actor, town, date: dt.date, summary: str, at: dt.datetime | None = None) -> DutyHandover:
    """The outgoing leader hands the duty of ``date`` over (today's, or yesterday's after a night
    shift). 403 ``duty.not_outgoing_leader`` for anyone but that day's leader on the roster; 409
    ``duty.handover_too_early`` for a day still to come, ``duty.handover_too_late`` for an older
    one, ``duty.handover_exists`` when written already."""
    ensure_town_role(actor, town, DUTY_VIEWERS)
    at = at or timezone.now()
    today = local_date(at)
    if date > today:
        raise Conflict("该班次尚未开始 / That shift has not begun.", code="duty.handover_too_early")
    if date < today - dt.timedelta(days=1):
        raise Conflict("只能交接今天或昨天的班 / Only today's or yesterday's shift can be handed over.",
                       code="duty.handover_too_late")
    row = DutyDay.objects.filter(town=town, date=date).first()
    if row is None or row.leader_id != actor.pk:
        raise PermissionDenied("只有当日值班长可以交班 / Only that day's duty leader hands over.",
                               code="duty.not_outgoing_leader")
    summary = _text(summary, "summary")
    if DutyHandover.objects.filter(town=town, date=date).exists():
        raise Conflict("该班次已交班 / That shift was handed over already.", code="duty.handover_exists")
    handover = DutyHandover.objects.create(town=town, date=date, outgoing=actor, summary=summary, written_at=at)
    audit_record(actor=actor, action="duty_handover.write", obj=handover,
                 data={"town": town.pk, "date": date.isoformat()})
    return handover


def incoming_leader_id(handover: DutyHandover) -> int | None:
    row = DutyDay.objects.filter(town_id=handover.town_id, date=handover.date + dt.timedelta(days=1)).first()
    return row.leader_id if row is not None else None


@transaction.atomic
def handover_confirm(*, actor, handover: DutyHandover, note: str = "",
                     at: dt.datetime | None = None) -> DutyHandover:
    """The incoming leader (the next day's leader on the roster) takes the duty over. 403
    ``duty.not_incoming_leader`` for anyone else, 409 ``duty.handover_confirmed`` when done
    already, ``duty.no_incoming_leader`` when the next day has no leader on the roster."""
    ensure_town_role(actor, handover.town, DUTY_VIEWERS)
    locked = DutyHandover.objects.select_for_update().get(pk=handover.pk)
    if locked.confirmed_at is not None:
        raise Conflict("已接班 / The handover was confirmed already.", code="duty.handover_confirmed")
    incoming = incoming_leader_id(locked)
    if incoming is None:
        raise Conflict("次日没有排值班长 / The next day has no duty leader on the roster.",
                       code="duty.no_incoming_leader")
    if incoming != actor.pk:
        raise PermissionDenied("只有接班的值班长可以确认接班 / Only the incoming duty leader confirms.",
                               code="duty.not_incoming_leader")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed("备注过长 / The note is too long.", code="validation_failed", fields={"note": "max 500"})
    at = at or timezone.now()
    locked.confirmed_by, locked.confirmed_at, locked.confirm_note = actor, at, note
    locked.save(update_fields=["confirmed_by", "confirmed_at", "confirm_note"])
    audit_record(actor=actor, action="duty_handover.confirm", obj=locked,
                 data={"town": locked.town_id, "date": locked.date.isoformat(), "note": note})
    return locked
