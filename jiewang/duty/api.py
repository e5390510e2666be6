"""HTTP API of the duty: the roster, today's duty, alarms, the log and the handover. Answering an
alarm is a row of the action registry (``jiewang.duty.action_table``), whose routes are produced
by ``jiewang.events.api_actions``."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from ninja import Field

from jiewang.accounts.models import User
from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.schema_types import DbId
from jiewang.events.models import Event

from . import selectors
from .choices import AlarmState
from .schemas import (AlarmOut, ConfirmIn, DutyDayIn, DutyDayOut, HandoverIn, HandoverOut, LogDayOut, LogEntryIn,
                      LogEntryOut, TodayOut, alarm_out, entry_out, handover_out, person)
from .services import log as log_svc
from .services import roster as roster_svc
from .services.common import days_ahead, local_date

router = Router(tags=["duty"])
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # days the duty can concern


def day_out(town, date: dt.date, row, today: dt.date) -> dict:
    return {"date": date, "town_id": town.pk, "leader": person(row.leader) if row else None,
            "operators": [person(u) for u in row.operators.all()] if row else [], "note": row.note if row else "",
            "version": row.version if row else 0,
            "editable": today <= date <= today + dt.timedelta(days=days_ahead())}


class MonthQuery(Schema):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (default: this month)")


@router.get("/towns/{int:town_id}/roster", response=list[DutyDayOut], summary="值班表: a month of a town's roster")
def roster(request, town_id: DbId, q: Query[MonthQuery]):
    town = selectors.town_for_duty(user=request.user, town_id=town_id)
    today = local_date()
    year, month = (int(x) for x in q.month.split("-")) if q.month else (today.year, today.month)
    if not 2000 <= year <= 2100:
        raise ValidationFailed("月份无效 / Invalid month.", code="validation_failed", fields={"month": "2000–2100"})
    rows = selectors.roster_month(user=request.user, town=town, year=year, month=month)
    return [day_out(town, d, r, today) for d, r in sorted(rows.items())]


def _user(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationFailed("用户不存在 / Unknown user.", code="duty.not_town_member", fields={field: user_id})
    return user


@router.put("/towns/{int:town_id}/roster/{date}", response=DutyDayOut, summary="排班: set one day of the roster")
def roster_set(request, town_id: DbId, date: dt.date, payload: DutyDayIn):
    town = selectors.town_for_duty(user=request.user, town_id=town_id)
    if not FIRST_DAY <= date <= LAST_DAY:
        raise ValidationFailed("日期无效 / Invalid date.", code="validation_failed", fields={"date": "2000–2100"})
    leader = _user(payload.leader_id, "leader_id")
    operators = [_user(pk, "operator_ids") for pk in dict.fromkeys(payload.operator_ids)]
    row = roster_svc.duty_day_set(actor=request.user, town=town, date=date, leader=leader, operators=operators,
                                  note=payload.note, expected_version=payload.expected_version)
    row = selectors.duty_day(user=request.user, town=town, date=date) or row
    return day_out(town, date, row, local_date())


@router.get("/towns/{int:town_id}/today", response=TodayOut, summary="今日值班: today's duty of a town")
def today(request, town_id: DbId):
    town = selectors.town_for_duty(user=request.user, town_id=town_id)
    day = local_date()
    row = selectors.duty_day(user=request.user, town=town, date=day)
    cmd, deputies = selectors.commanders_of(town)
    return {"date": day, "town_id": town.pk, "town": town.name, "leader": person(row.leader) if row else None,
            "operators": [person(u) for u in row.operators.all()] if row else [],
            "commanders": [person(u) for u in cmd], "deputy_commanders": [person(u) for u in deputies]}


class AlarmQuery(Schema):
    state: AlarmState | None = None
    town_id: DbId | None = None


@router.get("/alarms", response=list[AlarmOut], summary="告警: the alarms of the towns in scope (newest first)")
def alarms(request, q: Query[AlarmQuery]):
    town = selectors.town_for_duty(user=request.user, town_id=q.town_id) if q.town_id else None
    rows = selectors.alarm_list(user=request.user, state=q.state, town=town)[:200]
    return [alarm_out(a) for a in rows]


@router.get("/alarms/{int:alarm_id}", response=AlarmOut, summary="One alarm")
def alarm(request, alarm_id: DbId):
    return alarm_out(selectors.alarm_get(user=request.user, alarm_id=alarm_id))


class DayQuery(Schema):
    date: dt.date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY, description="the duty day (default: today)")


@router.get("/towns/{int:town_id}/log", response=LogDayOut, summary="值班日志: a day's log and handovers")
def log_day(request, town_id: DbId, q: Query[DayQuery]):
    town = selectors.town_for_duty(user=request.user, town_id=town_id)
    day = q.date or local_date()
    handover = selectors.handover_of(user=request.user, town=town, date=day)
    incoming = selectors.handover_of(user=request.user, town=town, date=day - dt.timedelta(days=1))
    return {"date": day, "town_id": town.pk,
            "entries": [entry_out(e) for e in selectors.log_entries(user=request.user, town=town, date=day)],
            "handover": handover_out(handover) if handover else None,
            "incoming": handover_out(incoming) if incoming else None}


@router.post("/towns/{int:town_id}/log", response={201: LogEntryOut}, summary="Write a line in today's duty log")
def log_add(request, town_id: DbId, payload: LogEntryIn):
    town = selectors.town_for_duty(user=request.user, town_id=town_id)
    event = None
    if payload.event_number:
        event = Event.objects.filter(number=payload.event_number.strip()).first()
        if event is None:
            raise ValidationFailed("事件不存在 / Unknown event.", code="duty.event_not_in_town",
                                   fields={"event_number": payload.event_number})
    entry = log_svc.duty_log_add(actor=request.user, town=town, body=payload.body, event=event)
    return Status(201, entry_out(entry))


@router.post("/towns/{int:town_id}/handover", response={201: HandoverOut},
             summary="交班: the outgoing leader hands the shift over")
def handover_write(request, town_id: DbId, payload: HandoverIn):
    town = selectors.town_for_duty(user=request.user, town_id=town_id)
    h = log_svc.handover_write(actor=request.user, town=town, date=payload.date, summary=payload.summary)
    return Status(201, handover_out(h))


@router.post("/handovers/{int:handover_id}/confirm", response=HandoverOut,
             summary="接班: the incoming leader confirms the handover")
def handover_confirm(request, handover_id: DbId, payload: ConfirmIn):
    h = selectors.handover_get(user=request.user, handover_id=handover_id)
    if h is None:
        raise NotFound("交接记录不存在 / Handover not found.", code="not_found")
    return handover_out(log_svc.handover_confirm(actor=request.user, handover=h, note=payload.note))
