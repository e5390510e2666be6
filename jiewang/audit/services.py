"""Writing audit entries. Every service that changes data calls :func:`audit_record`."""

from __future__ import annotations

from django.db import models

from .models import AuditEntry


def audit_record(*, actor, action: str, obj: models.Model | None = None, data: dict | None = None,
                 object_type: str = "", object_id: str = "") -> AuditEntry:
    """Append one audit row. ``action`` is ``<entity>.<verb>`` (``area.create``)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEntry.objects.create(
        actor=actor if (actor is not None and getattr(actor, "pk", None)) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
    )
