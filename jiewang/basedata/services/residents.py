"""Writing residents (实有人口) and their key-group memberships (重点人员): create, update (a
stale edit is refused), move out (迁出, the row and its history kept), add to / remove from a key
group. Each writes an audit row; personal fields are validated (GB 11643 ID numbers) and stored
encrypted with their masks beside them. One *active* resident per ID number: a duplicate is a 409
naming the resident found (when the actor can see it)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiewang.audit.services import audit_record
from jiewang.core.crypto import blind_index
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed, restrict

from .. import idnumber
from ..choices import Gender, Relation, ResidentType, RiskGrade
from ..models import House, KeyGroup, KeyPerson, Resident
from .common import check_version, clean_id_number, clean_phone, clean_text, ensure_writer, touch


def _choice(value, choices, field):
    if value not in choices.values:
        raise ValidationFailed("取值无效 / Invalid value.", code="validation_failed", fields={field: "invalid"})
    return value


def duplicate_of(id_number: str, *, exclude_pk: int | None = None) -> Resident | None:
    """The active resident already holding ``id_number`` (found by its blind index)."""
    if not id_number:
        return None
    qs = Resident.objects.filter(id_index=blind_index(id_number), is_active=True)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _refuse_duplicate(actor, other: Resident):
    visible = actor is None or restrict(Resident.objects.filter(pk=other.pk), actor, Action.VIEW).exists()
    raise Conflict("该身份证号已登记 / A resident with this ID number is registered already.",
                   code="basedata.duplicate_id", fields={"id_number": "duplicate",
                                                         **({"resident_id": other.pk} if visible else {})})


def _personal(resident: Resident, *, id_number: str, info, phone: str, gender: str | None, birth_date):
    resident.id_number = id_number
    resident.id_masked = idnumber.mask(id_number)
    resident.phone, resident.phone_masked = clean_phone(phone)
    if info is not None:  # the ID number says it: it wins
        resident.birth_date, resident.gender = info.birth_date, info.gender
    else:
        resident.gender = _choice(gender or "", Gender, "gender")
        resident.birth_date = birth_date


@transaction.atomic
def resident_create(*, actor, house: House, name: str, id_number: str = "", phone: str = "",
                    kind: str = ResidentType.REGISTERED, relation: str = Relation.HEAD, gender: str | None = None,
                    birth_date=None, note: str = "") -> Resident:
    ensure_writer(actor, house.area_path)
    kind = _choice(kind, ResidentType, "kind")
    number, info = clean_id_number(id_number, kind)
    other = duplicate_of(number)
    if other is not None:
        _refuse_duplicate(actor, other)
    resident = Resident(grid_id=house.grid_id, area_path=house.area_path, house=house, kind=kind,
                        name=clean_text(name, "name", required=True, max_length=50),
                        relation=_choice(relation, Relation, "relation"), note=clean_text(note, "note", max_length=200))
    _personal(resident, id_number=number, info=info, phone=phone, gender=gender, birth_date=birth_date)
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:  # a concurrent create of the same ID number
        raise Conflict("该身份证号已登记 / A resident with this ID number is registered already.",
                       code="basedata.duplicate_id", fields={"id_number": "duplicate"}) from None
    audit_record(actor=actor, action="resident.create", obj=resident,
                 data={"house": house.pk, "kind": kind, "id": resident.id_masked})
    return resident


UPDATABLE = ("name", "id_number", "phone", "kind", "relation", "gender", "birth_date", "note", "house")


@transaction.atomic
def resident_update(*, actor, resident: Resident, expected_version: int, **changes) -> Resident:
    """Change some fields (``UPDATABLE``; ``house`` moves the resident to another house, the
    grid following). The audit row names the changed fields, personal values masked."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed("字段无效 / Unknown field.", code="validation_failed",
                               fields={sorted(unknown)[0]: "unknown"})
    ensure_allowed(actor, Action.CHANGE, resident)
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    check_version(locked, expected_version, "居民信息")
    if not locked.is_active:
        raise Conflict("居民已迁出 / The resident has moved out.", code="basedata.moved_out")
    changes = {k: v for k, v in changes.items() if v is not None}
    before = {"name": locked.name, "kind": locked.kind, "relation": locked.relation, "house": locked.house_id,
              "id": locked.id_masked, "phone": locked.phone_masked}
    if "house" in changes:
        house = changes["house"]
        ensure_writer(actor, house.area_path)
        locked.house, locked.grid_id, locked.area_path = house, house.grid_id, house.area_path
    if "name" in changes:
        locked.name = clean_text(changes["name"], "name", required=True, max_length=50)
    if "kind" in changes:
        locked.kind = _choice(changes["kind"], ResidentType, "kind")
    if "relation" in changes:
        locked.relation = _choice(changes["relation"], Relation, "relation")
    if "note" in changes:
        locked.note = clean_text(changes["note"], "note", max_length=200)
    number = changes.get("id_number", locked.id_number)
    number, info = clean_id_number(number, locked.kind)
    if number != locked.id_number:
        other = duplicate_of(number, exclude_pk=locked.pk)
        if other is not None:
            _refuse_duplicate(actor, other)
    _personal(locked, id_number=number, info=info, phone=changes.get("phone", locked.phone),
              gender=changes.get("gender", locked.gender), birth_date=changes.get("birth_date", locked.birth_date))
    touch(locked)
    locked.save()
    if "house" in changes:
        KeyPerson.objects.filter(resident=locked).update(grid_id=locked.grid_id, area_path=locked.area_path)
    after = {"name": locked.name, "kind": locked.kind, "relation": locked.relation, "house": locked.house_id,
             "id": locked.id_masked, "phone": locked.phone_masked}
    audit_record(actor=actor, action="resident.update", obj=locked,
                 data={"fields": sorted(changes), "before": before, "after": after})
    return locked


@transaction.atomic
def resident_move_out(*, actor, resident: Resident, expected_version: int, note: str = "") -> Resident:
    """迁出: the resident no longer lives here; open key-group memberships end with it."""
    ensure_allowed(actor, Action.CHANGE, resident)
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    check_version(locked, expected_version, "居民信息")
    if not locked.is_active:
        raise Conflict("居民已迁出 / The resident has moved out.", code="basedata.moved_out")
    now = timezone.now()
    locked.is_active, locked.moved_out_at = False, now
    touch(locked)
    locked.save()
    ended = KeyPerson.objects.filter(resident=locked, ended_at__isnull=True).update(ended_at=now, updated_at=now)
    audit_record(actor=actor, action="resident.move_out", obj=locked,
                 data={"note": clean_text(note, "note", max_length=200), "key_memberships_ended": ended})
    return locked


@transaction.atomic
def key_person_add(*, actor, resident: Resident, group: KeyGroup, risk: str | None = None,
                   visit_days: int | None = None, note: str = "") -> KeyPerson:
    """Add a resident to a key group; risk grade and visit frequency default to the group's."""
    ensure_allowed(actor, Action.CHANGE, resident)
    if not resident.is_active:
        raise Conflict("居民已迁出 / The resident has moved out.", code="basedata.moved_out")
    if KeyPerson.objects.filter(resident=resident, group=group, ended_at__isnull=True).exists():
        raise Conflict("已在该重点人群中 / Already in this key group.", code="basedata.key_person_exists")
    if visit_days is not None and not 1 <= visit_days <= 365:
        raise ValidationFailed("走访周期无效 / Invalid visit frequency.", code="validation_failed",
                               fields={"visit_days": "1-365"})
    kp = KeyPerson.objects.create(resident=resident, group=group, grid_id=resident.grid_id,
                                  area_path=resident.area_path,
                                  risk=_choice(risk or group.default_risk, RiskGrade, "risk"),
                                  visit_days=visit_days or group.visit_days, note=clean_text(note, "note", max_length=200))
    audit_record(actor=actor, action="key_person.add", obj=kp,
                 data={"resident": resident.pk, "group": group.code, "risk": kp.risk, "visit_days": kp.visit_days})
    return kp


@transaction.atomic
def key_person_update(*, actor, key_person: KeyPerson, expected_version: int, risk: str | None = None,
                      visit_days: int | None = None, note: str | None = None) -> KeyPerson:
    ensure_allowed(actor, Action.CHANGE, key_person)
    locked = KeyPerson.objects.select_for_update().get(pk=key_person.pk)
    check_version(locked, expected_version, "重点人员")
    before = {"risk": locked.risk, "visit_days": locked.visit_days}
    if risk is not None:
        locked.risk = _choice(risk, RiskGrade, "risk")
    if visit_days is not None:
        if not 1 <= visit_days <= 365:
            raise ValidationFailed("走访周期无效 / Invalid visit frequency.", code="validation_failed",
                                   fields={"visit_days": "1-365"})
        locked.visit_days = visit_days
    if note is not None:
        locked.note = clean_text(note, "note", max_length=200)
    touch(locked)
    locked.save()
    audit_record(actor=actor, action="key_person.update", obj=locked,
                 data={"before": before, "after": {"risk": locked.risk, "visit_days": locked.visit_days}})
    return locked


@transaction.atomic
def key_person_end(*, actor, key_person: KeyPerson, expected_version: int, note: str = "") -> KeyPerson:
    """End a membership (e.g. a correction term served); the row stays as history."""
    ensure_allowed(actor, Action.CHANGE, key_person)
    locked = KeyPerson.objects.select_for_update().get(pk=key_person.pk)
    check_version(locked, expected_version, "重点人员")
    if locked.ended_at is not None:
        raise Conflict("已结束 / Already ended.", code="basedata.key_person_ended")
    locked.ended_at = timezone.now()
    touch(locked)
    locked.save()
    audit_record(actor=actor, action="key_person.end", obj=locked,
                 data={"note": clean_text(note, "note", max_length=200)})
    return locked


def key_person_record_visit(*, key_person: KeyPerson, at) -> bool:
    """Move a membership's ``last_visited_at`` forward to ``at`` (never back). Called by the visit
    services (patrols), which check scope and audit the visit itself; True when it moved."""
    from django.db.models import Q

    return bool(KeyPerson.objects.filter(pk=key_person.pk).filter(
        Q(last_visited_at__isnull=True) | Q(last_visited_at__lt=at)).update(last_visited_at=at))
