"""Profiles of the people who serve in grids (create, update with stale-edit protection, photo)
and the one audited way to read their phone numbers whole."""

from __future__ import annotations

import hashlib
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import User
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed, restrict

from ..models import Person
from .photos import check_photo
from .scope import ensure_manager, may_read_phones

PHONE_RE = re.compile(r"^\+?[0-9][0-9-]{2,19}$")
TEXT_FIELDS = {"name": 64, "unit": 100, "note": 2000}


def _clean_phone(value: str | None, field: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE_RE.match(value):
        raise ValidationFailed("电话号码格式不正确 / Invalid phone number.", code="staffing.phone_invalid",
                               fields={field: "invalid"})
    return value


def _clean_text(field: str, value: str | None) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationFailed("含有非法字符 / Invalid characters.", code="validation_failed", fields={field: "invalid"})
    return value[:TEXT_FIELDS[field]]


def _link_user(actor, person: Person, user: User | None) -> None:
    if user is None:
        person.user = None
        return
    if actor is not None and not restrict(User.objects.filter(pk=user.pk), actor, Action.VIEW).exists():
        raise ValidationFailed("无法关联该账号 / This account cannot be linked.", code="staffing.user_invalid",
                               fields={"user": "not found"})
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise Conflict("该账号已关联其他人员 / This account is linked to another person.",
                       code="staffing.user_taken", fields={"user": "taken"})
    person.user = user


def _save_photo(person: Person, data: bytes) -> None:
    content_type, ext = check_photo(data)
    digest = hashlib.sha256(data).hexdigest()
    person.photo.save(f"person-{digest[:16]}.{ext}", ContentFile(data), save=False)
    person.photo_type = content_type


@transaction.atomic
def person_create(*, actor, area: Area, name: str, work_phone: str = "", personal_phone: str = "",
                  unit: str = "", note: str = "", user: User | None = None, photo: bytes | None = None) -> Person:
    """A new profile kept by ``area`` (a community, town or district the actor manages)."""
    ensure_manager(actor, area.path)
    person = Person(area=area, area_path=area.path, name=_clean_text("name", name), unit=_clean_text("unit", unit),
                    note=_clean_text("note", note), work_phone=_clean_phone(work_phone, "work_phone"),
                    personal_phone=_clean_phone(personal_phone, "personal_phone"),
                    created_by=actor if getattr(actor, "pk", None) else None)
    if not person.name:
        raise ValidationFailed("请填写姓名 / A name is required.", code="validation_failed", fields={"name": "required"})
    _link_user(actor, person, user)
    if photo:
        _save_photo(person, photo)
    person.save()
    audit_record(actor=actor, action="grid_person.create", obj=person,
                 data={"area": area.pk, "name": person.name, "unit": person.unit, "user": person.user_id,
                       "photo": bool(photo)})
    return person


UNSET = object()


@transaction.atomic
def person_update(*, actor, person: Person, expected_version: int, name=UNSET, work_phone=UNSET,
                  personal_phone=UNSET, unit=UNSET, note=UNSET, user=UNSET, photo: bytes | None = None) -> Person:
    """Change a profile. ``expected_version`` is the version the editor read: if someone saved
    meanwhile the edit is refused (``staffing.person_stale``, 409) with nothing changed. Phones
    appear in the audit row only as "changed", never in clear."""
    ensure_allowed(actor, Action.CHANGE, person)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.version != expected_version:
        raise Conflict("资料已被他人修改，请刷新后重试 / The profile was changed meanwhile; reload and retry.",
                       code="staffing.person_stale")
    changed: dict = {}
    for field, value in (("name", name), ("unit", unit), ("note", note)):
        if value is not UNSET:
            value = _clean_text(field, value)
            if field == "name" and not value:
                raise ValidationFailed("请填写姓名 / A name is required.", code="validation_failed",
                                       fields={"name": "required"})
            if value != getattr(locked, field):
                changed[field] = value
                setattr(locked, field, value)
    for field, value in (("work_phone", work_phone), ("personal_phone", personal_phone)):
        if value is not UNSET:
            value = _clean_phone(value, field)
            if value != getattr(locked, field):
                changed[field] = "changed"
                setattr(locked, field, value)
    if user is not UNSET and (user.pk if user else None) != locked.user_id:
        _link_user(actor, locked, user)
        changed["user"] = locked.user_id
    if photo:
        _save_photo(locked, photo)
        changed["photo"] = "changed"
    if changed:
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save()
        audit_record(actor=actor, action="grid_person.update", obj=locked, data={"changed": changed})
    return locked


def person_phones_reveal(*, actor, person: Person) -> dict:
    """The phone numbers whole, for those with the right (:func:`.scope.may_read_phones`); each
    read leaves an audit row (who read whose numbers, when). Others are refused (403)."""
    ensure_allowed(actor, Action.VIEW, person)
    if not may_read_phones(actor, person):
        raise PermissionDenied("您无权查看完整号码 / You may not see whole phone numbers.",
                               code="staffing.phones_forbidden")
    audit_record(actor=actor, action="grid_person.reveal_phones", obj=person, data={})
    return {"work_phone": person.work_phone, "personal_phone": person.personal_phone}
