"""Writing units and shops (实有单位/商户). The unified social credit code (统一社会信用代码,
GB 32100: 18 characters with a check character) is validated when given."""

from __future__ import annotations

from django.db import transaction

from jiewang.audit.services import audit_record
from jiewang.core.errors import ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from ..choices import UnitKind
from ..models import Address, Unit
from .common import check_version, clean_phone, clean_text, ensure_writer, touch

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 (no I, O, S, V, Z)
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in CREDIT_CHARS for c in code):
        return False
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def clean_credit_code(value: str | None) -> str:
    code = (value or "").strip().upper()
    if code and not credit_code_valid(code):
        raise ValidationFailed("统一社会信用代码无效 / Invalid unified social credit code.",
                               code="basedata.bad_credit_code", fields={"credit_code": "invalid"})
    return code


def _kind(kind: str) -> str:
    if kind not in UnitKind.values:
        raise ValidationFailed("类型无效 / Invalid kind.", code="validation_failed", fields={"kind": "invalid"})
    return kind


@transaction.atomic
def unit_create(*, actor, address: Address, name: str, kind: str = UnitKind.SHOP, credit_code: str = "",
                contact_name: str = "", contact_phone: str = "") -> Unit:
    ensure_writer(actor, address.area_path)
    phone, masked = clean_phone(contact_phone, "contact_phone")
    unit = Unit.objects.create(grid_id=address.grid_id, area_path=address.area_path, address=address,
                               name=clean_text(name, "name", required=True), kind=_kind(kind),
                               credit_code=clean_credit_code(credit_code),
                               contact_name=clean_text(contact_name, "contact_name", max_length=50),
                               contact_phone=phone, contact_phone_masked=masked)
    audit_record(actor=actor, action="unit.create", obj=unit,
                 data={"address": address.pk, "kind": unit.kind, "credit_code": unit.credit_code})
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, expected_version: int, name: str | None = None, kind: str | None = None,
                credit_code: str | None = None, contact_name: str | None = None, contact_phone: str | None = None,
                is_active: bool | None = None) -> Unit:
    ensure_allowed(actor, Action.CHANGE, unit)
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    check_version(locked, expected_version, "单位")
    before = {"name": locked.name, "kind": locked.kind, "credit_code": locked.credit_code,
              "contact_name": locked.contact_name, "contact_phone": locked.contact_phone_masked,
              "is_active": locked.is_active}
    if name is not None:
        locked.name = clean_text(name, "name", required=True)
    if kind is not None:
        locked.kind = _kind(kind)
    if credit_code is not None:
        locked.credit_code = clean_credit_code(credit_code)
    if contact_name is not None:
        locked.contact_name = clean_text(contact_name, "contact_name", max_length=50)
    if contact_phone is not None:
        locked.contact_phone, locked.contact_phone_masked = clean_phone(contact_phone, "contact_phone")
    if is_active is not None:
        locked.is_active = is_active
    touch(locked)
    locked.save()
    audit_record(actor=actor, action="unit.update", obj=locked, data={"before": before})
    return locked
