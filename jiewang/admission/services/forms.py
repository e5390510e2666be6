"""The form of a data-collection task (一表通: collect once, reuse everywhere), kept small: a JSON
list of fields, each ``{"key", "label", "type", "choices"?, "source"?}``.

``type`` is one of :data:`TYPES`; ``source`` names where base data (``jiewang.basedata``) already
holds the value (:data:`SOURCES`: ``resident.name``, ``house.use`` …). When a task is delivered,
:func:`prefill` writes one :class:`~..models.TaskRecord` per person (a ``resident.*`` source) or
per household (``house.*``) of the target area, its values read from base data, so nothing that
exists is typed again: the worker confirms the record or corrects it (:func:`record_confirm`).
A correction of a sourced field goes back to base data through its own services
(``resident_update``, ``house_update``: scope, version and audit are theirs) when they accept it
(``written_back``), and is kept on the record either way (``corrections``).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from jiewang.audit.services import audit_record
from jiewang.core.errors import ApplicationError, Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from ..choices import RecordStatus
from ..models import PushRequest, TaskRecord

TYPES = ("text", "number", "date", "choice", "bool")
MAX_FIELDS = 30
KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _resident_address(r):
    return r.house.address.text if r.house_id else ""


def _key_groups(r):
    return "、".join(sorted(k.group.name for k in r.key_memberships.all() if k.ended_at is None))


# source -> (subject, reader, the base-data field a correction writes, or None)
SOURCES = {
    "resident.name": ("resident", lambda r: r.name, "name"),
    "resident.gender": ("resident", lambda r: r.get_gender_display(), "gender"),
    "resident.birth_date": ("resident", lambda r: r.birth_date.isoformat() if r.birth_date else "", "birth_date"),
    "resident.kind": ("resident", lambda r: r.get_kind_display(), "kind"),
    "resident.relation": ("resident", lambda r: r.get_relation_display(), "relation"),
    "resident.phone_masked": ("resident", lambda r: r.phone_masked, None),
    "resident.address": ("resident", _resident_address, None),
    "resident.key_groups": ("resident", _key_groups, None),
    "house.address": ("house", lambda h: h.address.text, None),
    "house.use": ("house", lambda h: h.get_use_display(), "use"),
    "house.area_m2": ("house", lambda h: float(h.area_m2) if h.area_m2 is not None else "", "area_m2"),
    "house.owner_name": ("house", lambda h: h.owner_name, "owner_name"),
    "house.residents": ("house", lambda h: sum(1 for r in h.residents.all() if r.is_active), None),
}


def _as_code(subject: str, field: str, value):
    """A corrected value of a choice field, shown by its label, as base data's code."""
    from jiewang.basedata.models import House, Resident

    model_field = (Resident if subject == "resident" else House)._meta.get_field(field)
    for code, label in model_field.choices or ():
        with translation.override(settings.LANGUAGE_CODE):
            shown = str(label)
        if value in (code, shown, str(label)):
            return code
    return value


def clean_form(fields) -> list[dict]:
    """Validate a form's field list (422 ``admission.bad_form`` naming the field index)."""
    out, keys = [], set()
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        raise ValidationFailed(f"表单至多 {MAX_FIELDS} 个字段 / A form is a list of at most {MAX_FIELDS} fields.",
                               code="admission.bad_form", fields={"form": "list"})
    for i, f in enumerate(fields):
        if not isinstance(f, dict):
            raise ValidationFailed("表单字段无效 / Invalid form field.", code="admission.bad_form", fields={"form": i})
        key, kind, source = str(f.get("key", "")), f.get("type", "text"), f.get("source") or None
        choices = f.get("choices") or []
        bad = (not KEY.match(key) or key in keys or kind not in TYPES or (source is not None and source not in SOURCES)
               or (kind == "choice" and (not isinstance(choices, list) or not choices or len(choices) > 50)))
        if bad:
            raise ValidationFailed("表单字段无效 / Invalid form field.", code="admission.bad_form",
                                   fields={"form": i, "key": key[:40]})
        keys.add(key)
        field = {"key": key, "label": str(f.get("label") or key)[:60], "type": kind}
        if kind == "choice":
            field["choices"] = [str(c)[:60] for c in choices]
        if source:
            field["source"] = source
        out.append(field)
    return out


def _subject(fields) -> str | None:
    kinds = {SOURCES[f["source"]][0] for f in fields if f.get("source")}
    return "resident" if "resident" in kinds else ("house" if "house" in kinds else None)


def _rows(subject: str, area_path: str):
    from jiewang.basedata.models import House, Resident

    if subject == "resident":
        return (Resident.objects.filter(area_path__startswith=area_path, is_active=True)
                .select_related("house__address").prefetch_related("key_memberships__group").order_by("id"))
    return (House.objects.filter(area_path__startswith=area_path).select_related("address")
            .prefetch_related("residents").order_by("id"))


def _read(field, row, subject: str):
    """The field's value on a row of ``subject`` (a resident's household fields: its house's)."""
    if not field.get("source"):
        return None
    source_subject, reader, _target = SOURCES[field["source"]]
    if source_subject == subject:
        return reader(row)
    return reader(row.house) if source_subject == "house" and row.house_id else None


def prefill(push: PushRequest) -> int:
    """One record per person or household of the area, pre-filled from base data (none for a
    form without sourced fields: the area fills one record). Returns how many."""
    fields = push.form or []
    if not fields:
        return 0
    subject = _subject(fields)
    if subject is None:
        TaskRecord.objects.create(push=push, area_path=push.area_path, subject_type="area",
                                  subject_id=push.area_id, label=push.area.name)
        return 1
    records = []
    with translation.override(settings.LANGUAGE_CODE):  # choices stored by their label in the site's language
        for row in _rows(subject, push.area_path).iterator(chunk_size=500):
            values = {f["key"]: v for f in fields if (v := _read(f, row, subject)) is not None}
            label = f"{row.name} · {_resident_address(row)}" if subject == "resident" else row.address.text
            records.append(TaskRecord(push=push, area_path=row.area_path, subject_type=subject, subject_id=row.pk,
                                      label=label[:200], prefilled=values, values=dict(values)))
    TaskRecord.objects.bulk_create(records, batch_size=500)
    return len(records)


def _value(field, raw):
    kind = field["type"]
    if raw is None or raw == "":
        return ""
    if kind == "number":
        try:
            return float(raw)
        except (TypeError, ValueError):
            pass
    elif kind == "date":
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            pass
    elif kind == "bool":
        if isinstance(raw, bool) or str(raw).lower() in ("true", "false", "1", "0"):
            return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1")
    elif kind == "choice":
        if str(raw) in field["choices"]:
            return str(raw)
    else:
        return str(raw)[:200]
    raise ValidationFailed("字段取值无效 / Invalid value.", code="admission.bad_value", fields={field["key"]: "invalid"})


def _write_back(actor, record: TaskRecord, changes: dict) -> bool:
    """Apply corrections of base-data fields through basedata's own services (checked against
    the worker's scope, versioned, audited); False when they refuse (the correction stays on the
    record for the community to apply)."""
    from jiewang.basedata.models import House, Resident
    from jiewang.basedata.services.places import house_update
    from jiewang.basedata.services.residents import resident_update

    try:
        with transaction.atomic():
            if record.subject_type == "resident":
                row = Resident.objects.get(pk=record.subject_id)
                resident_update(actor=actor, resident=row, expected_version=row.version, **changes)
            elif record.subject_type == "house":
                row = House.objects.get(pk=record.subject_id)
                house_update(actor=actor, house=row, expected_version=row.version, **changes)
            else:
                return False
    except (ApplicationError, House.DoesNotExist, Resident.DoesNotExist):
        return False
    return True


@transaction.atomic
def record_confirm(*, actor, record: TaskRecord, values: dict | None = None) -> TaskRecord:
    """The worker confirms a record as pre-filled, or corrects some values (``values``: key →
    value; unknown keys 422). Confirming again is allowed while the task is open."""
    ensure_allowed(actor, Action.CHANGE, record)
    record = TaskRecord.objects.select_for_update().select_related("push__event").get(pk=record.pk)
    event = record.push.event
    if event is not None and event.status in ("closed", "rated", "voided", "merged"):
        raise Conflict("任务已结束 / The task has ended.", code="admission.task_ended")
    fields = {f["key"]: f for f in record.push.form or []}
    unknown = set(values or {}) - set(fields)
    if unknown:
        raise ValidationFailed("未知字段 / Unknown field.", code="admission.bad_value",
                               fields={k: "unknown" for k in sorted(unknown)[:10]})
    new = dict(record.values)
    new.update({k: _value(fields[k], v) for k, v in (values or {}).items()})
    corrections = {k: [record.prefilled.get(k, ""), v] for k, v in new.items()
                   if k in record.prefilled and v != record.prefilled.get(k)}
    base_changes = {}
    for k, (_old, v) in corrections.items():
        target = SOURCES[fields[k]["source"]][2] if fields[k].get("source") else None
        if target:
            v = _as_code(record.subject_type, target, v)
            base_changes[target] = (v or None) if target in ("birth_date", "area_m2") else v
    record.values, record.corrections = new, corrections
    record.status = RecordStatus.CORRECTED if corrections else RecordStatus.CONFIRMED
    record.confirmed_at, record.confirmed_by = timezone.now(), actor
    record.written_back = _write_back(actor, record, base_changes) if base_changes else False
    record.save()
    audit_record(actor=actor, action="push.record_confirm", obj=record,
                 data={"push": record.push_id, "status": record.status, "corrected": sorted(corrections),
                       "written_back": record.written_back})
    return record
