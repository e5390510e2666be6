"""Unmasking (查看明文): one personal field of one row shown in clear to a role with the right
(``permissions.REVEALERS`` in the row's subtree), each time with an audit row naming who, what
and which field. Everyone else gets a 403 and nothing is written."""

from __future__ import annotations

from jiewang.audit.services import audit_record
from jiewang.core.errors import PermissionDenied, ValidationFailed

from ..models import Resident, Unit
from .common import may_reveal

FIELDS = {Resident: ("id_number", "phone"), Unit: ("contact_phone",)}


def reveal(*, actor, obj: Resident | Unit, field: str) -> str:
    """The clear value of ``field`` of ``obj`` (already found through a scoped selector)."""
    allowed = FIELDS.get(type(obj), ())
    if field not in allowed:
        raise ValidationFailed("字段无效 / Unknown field.", code="validation_failed",
                               fields={"field": "one of " + ", ".join(allowed)})
    if not may_reveal(actor, obj.area_path):
        raise PermissionDenied("您无权查看明文 / You may not see this in clear.", code="basedata.reveal_denied")
    audit_record(actor=actor, action=f"{type(obj)._meta.model_name}.reveal", obj=obj, data={"field": field})
    return getattr(obj, field)
