"""HTTP API of base data: ``/api/basedata/…`` — addresses, houses, residents, units, key persons,
the resident import, the counts report; scoped by area as everywhere. Personal fields are masked
in every answer; ``…/reveal`` answers one field in clear (only to roles with the right, audited)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from jiewang.areas.models import Area
from jiewang.areas.selectors import area_or_404
from jiewang.core.errors import NotFound, PayloadTooLarge, PermissionDenied
from jiewang.core.schema_types import DbId

from . import counts as counts_mod
from . import selectors
from .choices import ImportMode
from .models import KeyGroup, Resident
from .schemas import (AddressIn, AddressOut, CountsOut, CountsQuery, HouseIn, HouseOut, HouseUpdateIn,
                      ImportOut, KeyGroupOut, KeyPersonEndIn, KeyPersonIn, KeyPersonOut, KeyPersonQuery,
                      KeyPersonUpdateIn, MoveOutIn, PageQuery, ResidentIn, ResidentOut, ResidentQuery,
                      ResidentUpdateIn, RevealIn, RevealOut, UnitIn, UnitOut, UnitUpdateIn, address_out, house_out,
                      import_out, key_person_out, resident_out, unit_out)
from .services import exporting, importing, places, residents, reveal, units
from .services.common import may_reveal

router = Router(tags=["basedata"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _area(area_id: int | None) -> Area | None:
    return None if area_id is None else area_or_404(area_id)


def _under(area_id: int | None) -> str | None:
    area = _area(area_id)
    return area.path if area else None


def _page(qs, q, out) -> dict:
    return {"count": qs.count(), "items": [out(x) for x in qs[q.offset:q.offset + q.limit]]}


def _xlsx(content: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@router.get("/key-groups", response=list[KeyGroupOut], summary="重点人群: the key groups with their defaults")
def key_groups(request):
    if not request.user.is_superuser and not selectors.reads_anywhere(request.user):
        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    return [{"code": g.code, "name": g.name, "name_en": g.name_en, "default_risk": g.default_risk,
             "visit_days": g.visit_days, "sensitive": g.sensitive} for g in selectors.key_groups()]


# ---- addresses and houses ----------------------------------------------------------------------

@router.get("/addresses", response=dict, summary="标准地址: standard addresses in scope ({count, items})")
def addresses(request, q: Query[PageQuery]):
    return _page(selectors.address_list(user=request.user, under=_under(q.area_id), q=q.q), q, address_out)


@router.post("/addresses", response={201: AddressOut}, summary="Create a standard address (grid chosen or located)")
def address_create(request, payload: AddressIn):
    grid = _area(payload.grid_id)
    a = places.address_create(actor=request.user, grid=grid, lon=payload.lon, lat=payload.lat, road=payload.road,
                              number=payload.number, building=payload.building, unit=payload.unit,
                              room=payload.room)
    return Status(201, address_out(a))


@router.get("/houses", response=dict, summary="实有房屋: houses in scope ({count, items})")
def houses(request, q: Query[PageQuery]):
    return _page(selectors.house_list(user=request.user, under=_under(q.area_id), q=q.q), q, house_out)


@router.post("/houses", response={201: HouseOut}, summary="Register the house at an address")
def house_create(request, payload: HouseIn):
    address = selectors.address_get(user=request.user, address_id=payload.address_id)
    h = places.house_create(actor=request.user, address=address, use=payload.use, area_m2=payload.area_m2,
                            owner_name=payload.owner_name)
    return Status(201, house_out(h, 0))


@router.get("/houses/{int:house_id}", response=HouseOut, summary="One house")
def house(request, house_id: DbId):
    h = selectors.house_get(user=request.user, house_id=house_id)
    return house_out(h, Resident.objects.filter(house=h, is_active=True).count())


@router.put("/houses/{int:house_id}", response=HouseOut, summary="Change a house's use, floor area or owner")
def house_update(request, house_id: DbId, payload: HouseUpdateIn):
    h = selectors.house_get(user=request.user, house_id=house_id)
    h = places.house_update(actor=request.user, house=h, expected_version=payload.expected_version, use=payload.use,
                            area_m2=payload.area_m2, owner_name=payload.owner_name)
    return house_out(h)


# ---- residents ---------------------------------------------------------------------------------

def _resident_page(request, qs, q) -> dict:
    items = list(qs[q.offset:q.offset + q.limit])
    return {"count": qs.count(), "items": [resident_out(r, may_reveal(request.user, r.area_path)) for r in items]}


@router.get("/residents", response=dict, summary="实有人口: residents in scope, masked ({count, items})")
def resident_list(request, q: Query[ResidentQuery]):
    qs = selectors.resident_list(user=request.user, under=_under(q.area_id), q=q.q, kind=q.kind,
                                 active=q.active, house_id=q.house_id)
    return _resident_page(request, qs, q)


@router.post("/residents", response={201: ResidentOut}, summary="Register a resident (ID number validated, encrypted)")
def resident_create(request, payload: ResidentIn):
    h = selectors.house_get(user=request.user, house_id=payload.house_id)
    r = residents.resident_create(actor=request.user, house=h, name=payload.name, id_number=payload.id_number,
                                  phone=payload.phone, kind=payload.kind, relation=payload.relation,
                                  gender=payload.gender, birth_date=payload.birth_date, note=payload.note)
    return Status(201, resident_out(r, may_reveal(request.user, r.area_path)))


@router.get("/residents/export", response={200: None},
            summary="Residents as .xlsx (masked; unmasked=true for roles with the right); audited")
def resident_export(request, q: Query[ResidentQuery], unmasked: bool = False):
    content = exporting.resident_export(actor=request.user, under=_under(q.area_id), q=q.q, kind=q.kind,
                                        active=q.active, unmasked=unmasked)
    return _xlsx(content, timezone.localtime().strftime("residents-%Y%m%d-%H%M.xlsx"))


@router.get("/residents/{int:resident_id}", response=ResidentOut, summary="One resident (masked)")
def resident(request, resident_id: DbId):
    r = selectors.resident_get(user=request.user, resident_id=resident_id)
    return resident_out(r, may_reveal(request.user, r.area_path))


@router.put("/residents/{int:resident_id}", response=ResidentOut,
            summary="Change a resident (expected_version; house_id moves them)")
def resident_update(request, resident_id: DbId, payload: ResidentUpdateIn):
    r = selectors.resident_get(user=request.user, resident_id=resident_id)
    changes = payload.model_dump(exclude={"expected_version", "house_id"}, exclude_unset=True)
    if payload.house_id is not None:
        changes["house"] = selectors.house_get(user=request.user, house_id=payload.house_id)
    r = residents.resident_update(actor=request.user, resident=r, expected_version=payload.expected_version, **changes)
    return resident_out(r, may_reveal(request.user, r.area_path))


@router.post("/residents/{int:resident_id}/move-out", response=ResidentOut, summary="迁出: the resident moved out")
def resident_move_out(request, resident_id: DbId, payload: MoveOutIn):
    r = selectors.resident_get(user=request.user, resident_id=resident_id)
    r = residents.resident_move_out(actor=request.user, resident=r, expected_version=payload.expected_version,
                                    note=payload.note)
    return resident_out(r, may_reveal(request.user, r.area_path))


@router.post("/residents/{int:resident_id}/reveal", response=RevealOut,
             summary="查看明文: one personal field in clear (grid worker / community staff; audited)")
def resident_reveal(request, resident_id: DbId, payload: RevealIn):
    r = selectors.resident_get(user=request.user, resident_id=resident_id)
    return {"field": payload.field, "value": reveal.reveal(actor=request.user, obj=r, field=payload.field)}


# ---- units -------------------------------------------------------------------------------------

@router.get("/units", response=dict, summary="实有单位/商户: units and shops in scope ({count, items})")
def unit_list(request, q: Query[PageQuery]):
    return _page(selectors.unit_list(user=request.user, under=_under(q.area_id), q=q.q), q, unit_out)


@router.post("/units", response={201: UnitOut}, summary="Register a unit or shop")
def unit_create(request, payload: UnitIn):
    address = selectors.address_get(user=request.user, address_id=payload.address_id)
    u = units.unit_create(actor=request.user, address=address, name=payload.name, kind=payload.kind,
                          credit_code=payload.credit_code, contact_name=payload.contact_name,
                          contact_phone=payload.contact_phone)
    return Status(201, unit_out(u))


@router.put("/units/{int:unit_id}", response=UnitOut, summary="Change a unit")
def unit_update(request, unit_id: DbId, payload: UnitUpdateIn):
    u = selectors.unit_get(user=request.user, unit_id=unit_id)
    u = units.unit_update(actor=request.user, unit=u, **payload.model_dump(exclude_unset=True))
    return unit_out(u)


@router.post("/units/{int:unit_id}/reveal", response=RevealOut, summary="A unit's contact phone in clear (audited)")
def unit_reveal(request, unit_id: DbId, payload: RevealIn):
    u = selectors.unit_get(user=request.user, unit_id=unit_id)
    return {"field": payload.field, "value": reveal.reveal(actor=request.user, obj=u, field=payload.field)}


# ---- key persons -------------------------------------------------------------------------------

@router.get("/key-persons", response=dict, summary="重点人员: key-group members in scope ({count, items})")
def key_person_list(request, q: Query[KeyPersonQuery]):
    qs = selectors.key_person_list(user=request.user, under=_under(q.area_id), group=q.group, q=q.q)
    return _page(qs, q, key_person_out)


@router.post("/key-persons", response={201: KeyPersonOut}, summary="Add a resident to a key group")
def key_person_add(request, payload: KeyPersonIn):
    r = selectors.resident_get(user=request.user, resident_id=payload.resident_id)
    group = KeyGroup.objects.filter(code=payload.group, is_active=True).first()
    if group is None:
        raise NotFound("重点人群不存在 / Key group not found.", code="basedata.key_group_not_found")
    kp = residents.key_person_add(actor=request.user, resident=r, group=group, risk=payload.risk,
                                  visit_days=payload.visit_days, note=payload.note)
    return Status(201, key_person_out(kp))


@router.put("/key-persons/{int:key_person_id}", response=KeyPersonOut, summary="Change risk grade or visit frequency")
def key_person_update(request, key_person_id: DbId, payload: KeyPersonUpdateIn):
    kp = selectors.key_person_get(user=request.user, key_person_id=key_person_id)
    kp = residents.key_person_update(actor=request.user, key_person=kp, **payload.model_dump(exclude_unset=True))
    return key_person_out(kp)


@router.post("/key-persons/{int:key_person_id}/end", response=KeyPersonOut, summary="End a key-group membership")
def key_person_end(request, key_person_id: DbId, payload: KeyPersonEndIn):
    kp = selectors.key_person_get(user=request.user, key_person_id=key_person_id)
    kp = residents.key_person_end(actor=request.user, key_person=kp, expected_version=payload.expected_version,
                                  note=payload.note)
    return key_person_out(kp)


# ---- import --------------------------------------------------------------------------------------

@router.get("/imports/template", response={200: None}, summary="The resident import template (.xlsx, Chinese headers)")
def import_template(request):
    if not request.user.is_superuser and not selectors.writes_anywhere(request.user):
        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    return _xlsx(importing.template_workbook(), "residents-template.xlsx")


@router.post("/imports", response={201: ImportOut},
             summary="Import residents from .xlsx (mode all|partial); the row-by-row report")
def import_create(request, file: UploadedFile = File(...), area_id: DbId = Form(...),
                  mode: ImportMode = Form(ImportMode.ALL_OR_NOTHING), create_places: bool = Form(True)):
    area = _area(area_id)
    if file.size and file.size > importing.max_bytes():
        raise PayloadTooLarge("文件过大 / The upload is too large.", code="basedata.import_too_large",
                              fields={"file": "too large"})
    run = importing.import_residents(actor=request.user, area=area, data=file.read(), filename=file.name or "",
                                     mode=mode, create_places=create_places)
    return Status(201, import_out(run))


@router.get("/imports/{int:run_id}", response=ImportOut, summary="One import and its report")
def import_get(request, run_id: DbId):
    return import_out(selectors.import_run_get(user=request.user, run_id=run_id))


@router.get("/imports/{int:run_id}/errors", response={200: None}, summary="An import's error report (.xlsx)")
def import_errors(request, run_id: DbId):
    run = selectors.import_run_get(user=request.user, run_id=run_id)
    return _xlsx(importing.error_report_workbook(run), f"import-{run.pk}-errors.xlsx")


# ---- counts ------------------------------------------------------------------------------------

def _counts_out(rep) -> dict:
    def row(r):
        return {"area_id": r.area_id, "code": r.code, "name": r.name, "level": r.level, "households": r.households,
                "people": r.people, "by_type": r.by_type, "key": r.key}

    return {"area_id": rep.area.pk, "rows": [row(r) for r in rep.rows], "total": row(rep.total),
            "groups": [{"code": g.code, "name": g.name, "name_en": g.name_en, "default_risk": g.default_risk,
                        "visit_days": g.visit_days, "sensitive": g.sensitive} for g in rep.groups]}


@router.get("/counts", response=CountsOut, summary="户数、人口、重点人群 per grid and community of an area")
def counts(request, q: Query[CountsQuery]):
    return _counts_out(counts_mod.report(user=request.user, area=_area(q.area_id)))


@router.get("/counts/export", response={200: None}, summary="The counts report as .xlsx")
def counts_export(request, q: Query[CountsQuery]):
    rep = counts_mod.report(user=request.user, area=_area(q.area_id))
    return _xlsx(counts_mod.workbook(rep), f"basedata-counts-{rep.area.code}.xlsx")
