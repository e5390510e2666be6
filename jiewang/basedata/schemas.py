"""Shapes of the base-data API. Personal fields are always the masked forms; the clear value is
only ever answered by the ``reveal`` routes (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from jiewang.core.schema_types import Day, DbId, Limit, Offset, Version

from .choices import Gender, HouseUse, Relation, ResidentType, RiskGrade, UnitKind


class PageQuery(Schema):
    area_id: DbId | None = Field(None, description="only rows under this area")
    q: str = Field("", max_length=50, description="search text (an 18-character ID number: exact match)")
    limit: Limit = 100
    offset: Offset = 0


class KeyGroupOut(Schema):
    code: str
    name: str
    name_en: str
    default_risk: str
    visit_days: int
    sensitive: bool


class AddressIn(Schema):
    grid_id: DbId | None = Field(None, description="the grid; or give lon/lat and the grid is located")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    road: str = Field(..., max_length=60)
    number: str = Field(..., max_length=20)
    building: str = Field("", max_length=30)
    unit: str = Field("", max_length=20)
    room: str = Field("", max_length=20)


class AddressOut(Schema):
    id: int
    grid_id: int
    grid: str
    text: str
    road: str
    number: str
    building: str
    unit: str
    room: str
    building_id: int
    lon: float | None
    lat: float | None


def address_out(a) -> dict:
    return {"id": a.pk, "grid_id": a.grid_id, "grid": a.grid.name, "text": a.text, "road": a.road,
            "number": a.number, "building": a.building_name, "unit": a.unit, "room": a.room,
            "building_id": a.building_id, "lon": a.lon, "lat": a.lat}


class HouseIn(Schema):
    address_id: DbId
    use: HouseUse = HouseUse.SELF_OCCUPIED
    area_m2: float | None = Field(None, gt=0, le=99999)
    owner_name: str = Field("", max_length=50)


class HouseUpdateIn(Schema):
    expected_version: Version
    use: HouseUse | None = None
    area_m2: float | None = Field(None, gt=0, le=99999)
    owner_name: str | None = Field(None, max_length=50)


class HouseOut(Schema):
    id: int
    grid_id: int
    address_id: int
    address: str
    use: str
    area_m2: float | None
    owner_name: str
    residents: int | None = None
    version: int


def house_out(h, residents: int | None = None) -> dict:
    return {"id": h.pk, "grid_id": h.grid_id, "address_id": h.address_id, "address": h.address.text, "use": h.use,
            "area_m2": float(h.area_m2) if h.area_m2 is not None else None, "owner_name": h.owner_name,
            "residents": residents, "version": h.version}


class ResidentIn(Schema):
    house_id: DbId
    name: str = Field(..., max_length=50)
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=20)
    kind: ResidentType = ResidentType.REGISTERED
    relation: Relation = Relation.HEAD
    gender: Gender | None = Field(None, description="only without an ID number (else read from it)")
    birth_date: Day | None = None
    note: str = Field("", max_length=200)


class ResidentUpdateIn(Schema):
    expected_version: Version
    house_id: DbId | None = None
    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=20)
    kind: ResidentType | None = None
    relation: Relation | None = None
    gender: Gender | None = None
    birth_date: Day | None = None
    note: str | None = Field(None, max_length=200)


class MoveOutIn(Schema):
    expected_version: Version
    note: str = Field("", max_length=200)


class ResidentQuery(PageQuery):
    kind: ResidentType | None = None
    house_id: DbId | None = None
    active: bool = True


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    id_number: str = Field(..., description="masked: 5001**********1234 (reveal for the clear value)")
    phone: str = Field(..., description="masked: 138****1234")
    kind: str
    relation: str
    house_id: int
    address: str
    grid_id: int
    grid: str
    is_active: bool
    moved_out_at: dt.datetime | None
    version: int
    may_reveal: bool


def resident_out(r, may_reveal: bool) -> dict:
    return {"id": r.pk, "name": r.name, "gender": r.gender, "birth_date": r.birth_date, "id_number": r.id_masked,
            "phone": r.phone_masked, "kind": r.kind, "relation": r.relation, "house_id": r.house_id,
            "address": r.house.address.text, "grid_id": r.grid_id, "grid": r.grid.name, "is_active": r.is_active,
            "moved_out_at": r.moved_out_at, "version": r.version, "may_reveal": may_reveal}


class RevealIn(Schema):
    field: Literal["id_number", "phone", "contact_phone"]


class RevealOut(Schema):
    field: str
    value: str


class UnitIn(Schema):
    address_id: DbId
    name: str = Field(..., max_length=100)
    kind: UnitKind = UnitKind.SHOP
    credit_code: str = Field("", max_length=18)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)


class UnitUpdateIn(Schema):
    expected_version: Version
    name: str | None = Field(None, max_length=100)
    kind: UnitKind | None = None
    credit_code: str | None = Field(None, max_length=18)
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=20)
    is_active: bool | None = None


class UnitOut(Schema):
    id: int
    grid_id: int
    name: str
    kind: str
    credit_code: str
    address_id: int
    address: str
    contact_name: str
    contact_phone: str = Field(..., description="masked")
    is_active: bool
    version: int


def unit_out(u) -> dict:
    return {"id": u.pk, "grid_id": u.grid_id, "name": u.name, "kind": u.kind, "credit_code": u.credit_code,
            "address_id": u.address_id, "address": u.address.text, "contact_name": u.contact_name,
            "contact_phone": u.contact_phone_masked, "is_active": u.is_active, "version": u.version}


class KeyPersonIn(Schema):
    resident_id: DbId
    group: str = Field(..., max_length=40, description="a key group's code (GET /api/basedata/key-groups)")
    risk: RiskGrade | None = None
    visit_days: int | None = Field(None, ge=1, le=365)
    note: str = Field("", max_length=200)


class KeyPersonUpdateIn(Schema):
    expected_version: Version
    risk: RiskGrade | None = None
    visit_days: int | None = Field(None, ge=1, le=365)
    note: str | None = Field(None, max_length=200)


class KeyPersonEndIn(Schema):
    expected_version: Version
    note: str = Field("", max_length=200)


class KeyPersonQuery(PageQuery):
    group: str | None = Field(None, max_length=40)


class KeyPersonOut(Schema):
    id: int
    resident_id: int
    name: str
    id_number: str = Field(..., description="masked")
    address: str
    grid_id: int
    group: str
    group_name: str
    risk: str
    visit_days: int
    since: dt.date
    last_visited_at: dt.datetime | None
    ended_at: dt.datetime | None
    version: int


def key_person_out(kp) -> dict:
    r = kp.resident
    return {"id": kp.pk, "resident_id": r.pk, "name": r.name, "id_number": r.id_masked,
            "address": r.house.address.text, "grid_id": kp.grid_id, "group": kp.group.code,
            "group_name": kp.group.label(), "risk": kp.risk, "visit_days": kp.visit_days, "since": kp.since,
            "last_visited_at": kp.last_visited_at, "ended_at": kp.ended_at, "version": kp.version}


class ImportOut(Schema):
    id: int
    area_id: int
    mode: str
    rows: int
    imported: int
    bad_rows: int
    errors: list[list] = Field(..., description="[row number, column, reason], at most 1,000 here; all in the report")
    created_at: dt.datetime


def import_out(run) -> dict:
    return {"id": run.pk, "area_id": run.area_id, "mode": run.mode, "rows": run.rows, "imported": run.imported,
            "bad_rows": len({e[0] for e in run.errors}), "errors": run.errors[:1000], "created_at": run.created_at}


class CountsQuery(Schema):
    area_id: DbId


class CountRowOut(Schema):
    area_id: int
    code: str
    name: str
    level: int
    households: int
    people: int
    by_type: dict[str, int]
    key: dict[str, int]


class CountsOut(Schema):
    area_id: int
    groups: list[KeyGroupOut]
    rows: list[CountRowOut]
    total: CountRowOut
