"""Shapes of the duty API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from jiewang.core.schema_types import DbId, Version


class PersonOut(Schema):
    id: int
    name: str


def person(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": str(user)}


class DutyDayOut(Schema):
    date: dt.date
    town_id: int
    leader: PersonOut | None
    operators: list[PersonOut]
    note: str
    version: int
    editable: bool


class DutyDayIn(Schema):
    leader_id: DbId | None = Field(None, description="the duty leader (a town leader, commander or duty leader)")
    operator_ids: list[DbId] = Field(default_factory=list, max_length=20)
    note: str = Field("", max_length=200)
    expected_version: Version | None = Field(None, description="the version you read (0: no row yet)")


class TodayOut(Schema):
    date: dt.date
    town_id: int
    town: str
    leader: PersonOut | None
    operators: list[PersonOut]
    commanders: list[PersonOut]
    deputy_commanders: list[PersonOut]


class AlarmOut(Schema):
    id: int
    event_number: str
    event_title: str
    town_id: int
    severity: str
    severity_label: str
    state: str
    state_label: str
    stage: int
    stage_label: str
    raised_at: dt.datetime
    respond_by: dt.datetime
    next_step_at: dt.datetime | None
    duty_leader: PersonOut | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: PersonOut | None
    note: str


def alarm_out(a) -> dict:
    return {"id": a.pk, "event_number": a.event.number, "event_title": a.event.title, "town_id": a.town_id,
            "severity": a.severity, "severity_label": str(a.get_severity_display()), "state": a.state,
            "state_label": str(a.get_state_display()), "stage": a.stage, "stage_label": str(a.get_stage_display()),
            "raised_at": a.raised_at, "respond_by": a.respond_by, "next_step_at": a.next_step_at,
            "duty_leader": person(a.duty_leader), "acknowledged_at": a.acknowledged_at,
            "acknowledged_by": person(a.acknowledged_by), "note": a.note}


class AcknowledgeIn(Schema):
    note: str = Field("", max_length=500, description="what is being done (optional)")


class LogEntryOut(Schema):
    id: int
    date: dt.date
    at: dt.datetime
    author: PersonOut
    body: str
    event_number: str | None


def entry_out(e) -> dict:
    return {"id": e.pk, "date": e.date, "at": e.at, "author": person(e.author), "body": e.body,
            "event_number": e.event.number if e.event_id else None}


class LogEntryIn(Schema):
    body: str = Field(..., min_length=1, max_length=2000)
    event_number: str | None = Field(None, max_length=40)


class HandoverOut(Schema):
    id: int
    town_id: int
    date: dt.date
    outgoing: PersonOut
    summary: str
    written_at: dt.datetime
    confirmed_by: PersonOut | None
    confirmed_at: dt.datetime | None
    confirm_note: str


def handover_out(h) -> dict:
    return {"id": h.pk, "town_id": h.town_id, "date": h.date, "outgoing": person(h.outgoing), "summary": h.summary,
            "written_at": h.written_at, "confirmed_by": person(h.confirmed_by), "confirmed_at": h.confirmed_at,
            "confirm_note": h.confirm_note}


class HandoverIn(Schema):
    date: dt.date = Field(..., ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31),
                          description="the outgoing shift's day (today, or yesterday after a night)")
    summary: str = Field(..., min_length=1, max_length=2000)


class ConfirmIn(Schema):
    note: str = Field("", max_length=500)


class LogDayOut(Schema):
    date: dt.date
    town_id: int
    entries: list[LogEntryOut]
    handover: HandoverOut | None  # the day's handover to the next
    incoming: HandoverOut | None  # the previous day's handover to this one
