"""HTTP API of the grid's people: ``/api/staffing/…`` (the session's user, scoped as everywhere;
writes through the services, each audited). Phones leave masked; whole numbers only through
``POST /people/{id}/phones``, audited."""

from __future__ import annotations

from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiewang.accounts.models import User
from jiewang.areas.selectors import area_get
from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.schema_types import DbId, Day, Version
from jiewang.core.scope import Action, restrict

from . import selectors
from .schemas import (GridDetailOut, GridStaffingOut, MemberEndIn, MemberIn, MemberOut, PersonIn, PersonOut,
                      PersonUpdateIn, PhonesOut, UnstaffedOut, grid_out, member_out, person_out)
from .services import members as member_svc
from .services import people as people_svc
from .services.photos import max_bytes as photo_max_bytes

router = Router(tags=["staffing"])



class GridQuery(Schema):
    under: DbId | None = None
    unstaffed: bool = False
    on: Day | None = None


@router.get("/grids", response=list[GridStaffingOut], summary="1+3+N: the people of each grid in scope (own first)")
def grids(request, q: Query[GridQuery]):
    under = area_get(user=request.user, area_id=q.under) if q.under else None
    rows = selectors.staffing_overview(user=request.user, under=under, on=q.on, unstaffed_only=q.unstaffed)
    return [grid_out(r) for r in rows]


@router.get("/grids/{int:grid_id}", response=GridDetailOut, summary="One grid: its people now and its history")
def grid(request, grid_id: DbId):
    area = area_get(user=request.user, area_id=grid_id)
    rows = selectors.staffing_overview(user=request.user, under=area)
    row = next((r for r in rows if r["grid"].pk == area.pk), None)
    if row is None:
        raise NotFound("网格不存在 / Grid not found.", code="area.not_found")
    return {**grid_out(row), "history": [member_out(m) for m in selectors.grid_history(user=request.user, grid=area)]}


class UnstaffedQuery(Schema):
    under: DbId | None = None


@router.get("/unstaffed", response=list[UnstaffedOut], summary="Grids without a full-time grid worker")
def unstaffed(request, q: Query[UnstaffedQuery]):
    under = area_get(user=request.user, area_id=q.under) if q.under else None
    since = {f.grid_id: f.raised_on for f in selectors.open_flags(user=request.user, under=under)}
    return [{"grid_id": g.pk, "grid": g.name, "code": g.code, "community_id": g.parent_id,
             "flagged_since": since.get(g.pk)}
            for g in selectors.unstaffed_grids(user=request.user, under=under)[:1000]]


class PeopleQuery(Schema):
    q: str = ""


@router.get("/people", response=list[PersonOut], summary="People who serve in the grids in scope")
def people(request, q: Query[PeopleQuery]):
    return [person_out(p) for p in selectors.person_list(user=request.user, q=q.q[:64])[:500]]


def _user(actor, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = restrict(User.objects.filter(pk=user_id), actor, Action.VIEW).first()
    if user is None:
        raise ValidationFailed("账号不存在 / Account not found.", code="staffing.user_invalid",
                               fields={"user_id": "not found"})
    return user


@router.post("/people", response={201: PersonOut}, summary="Create a profile")
def person_create(request, payload: PersonIn):
    p = people_svc.person_create(actor=request.user, area=area_get(user=request.user, area_id=payload.area_id), name=payload.name,
                                 work_phone=payload.work_phone, personal_phone=payload.personal_phone,
                                 unit=payload.unit, note=payload.note, user=_user(request.user, payload.user_id))
    return Status(201, person_out(p))


def _person_with_history(user, person_id: int) -> dict:
    p = selectors.person_get(user=user, person_id=person_id)
    history = selectors.member_list(user=user, person=p, include_ended=True).order_by("-start_date", "-id")
    return person_out(p, history)


@router.get("/people/{int:person_id}", response=PersonOut, summary="One profile (phones masked) and assignments")
def person(request, person_id: DbId):
    return _person_with_history(request.user, person_id)


@router.put("/people/{int:person_id}", response=PersonOut, summary="Edit a profile (naming the version read)")
def person_update(request, person_id: DbId, payload: PersonUpdateIn):
    p = selectors.person_get(user=request.user, person_id=person_id)
    fields = {k: v for k, v in payload.dict(exclude={"expected_version"}).items() if v is not None}
    people_svc.person_update(actor=request.user, person=p, expected_version=payload.expected_version, **fields)
    return _person_with_history(request.user, person_id)


class PhotoQuery(Schema):
    expected_version: Version


@router.post("/people/{int:person_id}/photo", response=PersonOut,
             summary="Set the profile photo (multipart; JPEG, PNG or WebP, ≤ 5 MB)")
def person_photo(request, person_id: DbId, q: Query[PhotoQuery], file: UploadedFile = File(...)):
    p = selectors.person_get(user=request.user, person_id=person_id)
    data = file.read(photo_max_bytes() + 1)
    if not data:
        raise ValidationFailed("空文件 / Empty file.", code="photo.empty", fields={"file": "empty"})
    people_svc.person_update(actor=request.user, person=p, expected_version=q.expected_version, photo=data)
    return _person_with_history(request.user, person_id)


@router.post("/people/{int:person_id}/phones", response=PhonesOut, summary="The whole phone numbers (audited)")
def person_phones(request, person_id: DbId):
    p = selectors.person_get(user=request.user, person_id=person_id)
    return people_svc.person_phones_reveal(actor=request.user, person=p)


@router.post("/members", response={201: MemberOut}, summary="Assign a person to a grid as one kind")
def member_assign(request, payload: MemberIn):
    p = selectors.person_get(user=request.user, person_id=payload.person_id)
    m = member_svc.member_assign(actor=request.user, person=p, grid=area_get(user=request.user, area_id=payload.grid_id),
                                 kind=payload.kind, start_date=payload.start_date, duty=payload.duty)
    return Status(201, member_out(m))


@router.get("/members/{int:member_id}", response=MemberOut, summary="One assignment")
def member(request, member_id: DbId):
    return member_out(selectors.member_get(user=request.user, member_id=member_id))


@router.post("/members/{int:member_id}/end", response=MemberOut, summary="End an assignment (with a reason)")
def member_end(request, member_id: DbId, payload: MemberEndIn):
    m = selectors.member_get(user=request.user, member_id=member_id)
    return member_out(member_svc.member_end(actor=request.user, member=m, reason=payload.reason,
                                            end_date=payload.end_date))


class MineOut(Schema):
    grid_id: int
    grid: str
    code: str


@router.get("/mine", response=list[MineOut], summary="The signed-in user's own grids, best first")
def mine(request):
    return [{"grid_id": g.pk, "grid": g.name, "code": g.code} for g in selectors.my_grids(request.user)]
