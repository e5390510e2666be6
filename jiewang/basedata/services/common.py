"""What every base-data service shares: who may write where, the grid of a new row, stale-edit
protection, and the clean-up of personal fields (ID numbers, phones)."""

from __future__ import annotations

import re

from django.utils import timezone

from jiewang.areas.choices import GRID_LEVELS
from jiewang.areas.models import Area
from jiewang.core.crypto import mask_phone
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.core.scope import user_grants

from .. import idnumber
from ..choices import ResidentType
from ..permissions import READERS, REVEALERS, WRITERS

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")


def held_roles(user, path: str) -> set[str]:
    """The roles ``user`` holds on ``path`` or above."""
    return {g.role for g in user_grants(user) if path.startswith(g.path)}


def ensure_writer(actor, path: str) -> None:
    """Refuse unless ``actor`` may write base data under ``path``: 404 when they cannot even read
    there, 403 when they read but may not write. ``None`` is the system (commands, the demo)."""
    if actor is None or actor.is_superuser:
        return
    held = held_roles(actor, path)
    if held & WRITERS:
        return
    if held & READERS:
        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    raise NotFound("对象不存在 / Not found.", code="not_found")


def may_reveal(user, path: str) -> bool:
    """May ``user`` see personal data in clear under ``path`` (see ``permissions``)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(held_roles(user, path) & REVEALERS)


def grid_of(area: Area | None) -> Area:
    if area is None:
        raise NotFound("网格不存在 / Grid not found.", code="area.not_found")
    if area.level not in GRID_LEVELS:
        raise ValidationFailed("请选择网格 / Choose a grid.", code="basedata.not_a_grid", fields={"grid_id": "not a grid"})
    if area.valid_to is not None and area.valid_to <= timezone.localdate():
        raise ValidationFailed("网格已撤销 / The grid is retired.", code="basedata.grid_retired",
                               fields={"grid_id": "retired"})
    return area


def check_version(obj, expected_version: int, what: str) -> None:
    if obj.version != expected_version:
        raise Conflict(f"{what}已被他人修改，请刷新 / The {obj._meta.verbose_name} was changed meanwhile.",
                       code="basedata.stale")


def touch(obj) -> None:
    obj.version += 1
    obj.updated_at = timezone.now()


def clean_text(value, field: str, *, required: bool = False, max_length: int = 100) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed("必填 / Required.", code="validation_failed", fields={field: "required"})
    if len(value) > max_length:
        raise ValidationFailed("过长 / Too long.", code="validation_failed", fields={field: f"at most {max_length}"})
    return value


def clean_phone(value: str | None, field: str = "phone") -> tuple[str, str]:
    """(clear phone, masked) — both empty when no phone is given."""
    value = (value or "").strip()
    if not value:
        return "", ""
    if not PHONE_RE.match(value):
        raise ValidationFailed("电话号码无效 / Invalid phone number.", code="basedata.bad_phone",
                               fields={field: "invalid"})
    value = value.replace(" ", "")
    return value, mask_phone(value)


def clean_id_number(value: str | None, kind: str):
    """(number, IdInfo or None). Registered and floating residents need a valid resident ID number
    (GB 11643); overseas residents may give a travel document number (5–30 letters and digits,
    not checked) or nothing."""
    value = idnumber.normalize(value or "")
    if kind == ResidentType.OVERSEAS:
        if value and not (5 <= len(value) <= 30 and value.isalnum()):
            raise ValidationFailed("证件号码无效 / Invalid document number.", code="basedata.bad_id_number",
                                   fields={"id_number": "5-30 letters and digits"})
        if len(value) == 18:
            try:
                return value, idnumber.parse(value)
            except idnumber.InvalidIdNumber:
                pass
        return value, None
    if not value:
        raise ValidationFailed("请填写身份证号 / The ID number is required.", code="basedata.bad_id_number",
                               fields={"id_number": "required"})
    try:
        return value, idnumber.parse(value)
    except idnumber.InvalidIdNumber as exc:
        raise ValidationFailed(f"身份证号无效 / Invalid ID number: {exc.reason}", code="basedata.bad_id_number",
                               fields={"id_number": exc.reason}) from None
