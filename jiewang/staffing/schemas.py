"""Shapes of the staffing API. Phone numbers leave masked (``138****1111``); the whole numbers
only through ``POST /api/staffing/people/{id}/phones`` (audited)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from jiewang.core.schema_types import DbId, Day, Version

from .choices import KIND_GROUP, MemberKind


class PersonIn(Schema):
    area_id: DbId = Field(..., description="the community, town or district keeping the profile")
    name: str = Field(..., min_length=1, max_length=64)
    work_phone: str = Field("", max_length=20)
    personal_phone: str = Field("", max_length=20)
    unit: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)
    user_id: DbId | None = None


class PersonUpdateIn(Schema):
    expected_version: Version
    name: str | None = Field(None, min_length=1, max_length=64)
    work_phone: str | None = Field(None, max_length=20)
    personal_phone: str | None = Field(None, max_length=20)
    unit: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=2000)


class MemberIn(Schema):
    person_id: DbId
    grid_id: DbId
    kind: MemberKind
    start_date: Day | None = Field(None, description="first day served (today by default)")
    duty: str = Field("", max_length=100)


class MemberEndIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)
    end_date: Day | None = Field(None, description="first day no longer served (today by default)")


class MemberOut(Schema):
    id: int
    person_id: int
    person: str
    grid_id: int
    grid: str
    kind: MemberKind
    group: str
    duty: str
    start_date: dt.date
    end_date: dt.date | None
    end_reason: str
    active: bool


def member_out(m) -> dict:
    return {"id": m.pk, "person_id": m.person_id, "person": m.person.name, "grid_id": m.grid_id, "grid": m.grid.name,
            "kind": m.kind, "group": KIND_GROUP[m.kind], "duty": m.duty, "start_date": m.start_date,
            "end_date": m.end_date, "end_reason": m.end_reason, "active": m.is_active()}


class PersonOut(Schema):
    id: int
    name: str
    area_id: int
    area: str
    user_id: int | None
    work_phone: str = Field(..., description="masked")
    personal_phone: str = Field(..., description="masked")
    unit: str
    note: str
    has_photo: bool
    version: int
    assignments: list[MemberOut]


def person_out(p, assignments=()) -> dict:
    return {"id": p.pk, "name": p.name, "area_id": p.area_id, "area": p.area.name, "user_id": p.user_id,
            "work_phone": p.work_phone_masked, "personal_phone": p.personal_phone_masked, "unit": p.unit,
            "note": p.note, "has_photo": bool(p.photo), "version": p.version,
            "assignments": [member_out(m) for m in assignments]}


class PhonesOut(Schema):
    work_phone: str
    personal_phone: str


class GridMemberBrief(Schema):
    id: int
    person_id: int
    person: str
    kind: MemberKind
    start_date: dt.date


class GridStaffingOut(Schema):
    grid_id: int
    grid: str
    code: str
    level: int
    mine: bool
    unstaffed: bool = Field(..., description="no full-time grid worker in force (grids only)")
    members: list[GridMemberBrief]


def grid_out(row) -> dict:
    g = row["grid"]
    return {"grid_id": g.pk, "grid": g.name, "code": g.code, "level": g.level, "mine": row["mine"],
            "unstaffed": row["unstaffed"],
            "members": [{"id": m.pk, "person_id": m.person_id, "person": m.person.name, "kind": m.kind,
                         "start_date": m.start_date} for m in row["members"]]}


class GridDetailOut(GridStaffingOut):
    history: list[MemberOut]


class UnstaffedOut(Schema):
    grid_id: int
    grid: str
    code: str
    community_id: int | None
    flagged_since: dt.date | None
