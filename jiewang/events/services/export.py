"""Exporting a search to Excel (导出): the events a staff member found, as an .xlsx workbook.

``event_export(actor=, criteria=)`` answers the workbook's bytes for exactly the events
:func:`jiewang.events.search.event_search` finds for the actor (all pages, in the search's order),
and records one audit row (``event.export``: the filters and the number of rows). Refusals change
nothing: without a staff role, 403 ``event.export_forbidden``; more than :data:`EXPORT_ROW_CAP`
rows, 422 ``search.export_too_many`` (narrow the filters); a bad filter, the search's own 422/404.

The sheet is for Chinese offices: its headers and labels are always zh-Hans, times are local
(Asia/Shanghai) without a zone, and the reporter's phone is masked as on every page and in the API
(no role sees it whole; :func:`phone_for` is the one place that decides).
"""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiewang.accounts.choices import BoardKind
from jiewang.accounts.permissions import STAFF_ROLES
from jiewang.audit.services import audit_record
from jiewang.core.crypto import mask_phone
from jiewang.core.errors import PermissionDenied, ValidationFailed
from jiewang.core.scope import user_grants

from ..choices import EventChannel, EventSource, EventStatus, HandlingLevel, Satisfaction, Urgency
from ..search import EventSearchIn, criteria_as_data, event_search

EXPORT_ROW_CAP = 50_000
EXPORT_LANGUAGE = "zh-hans"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# (header msgid, value of an event); choices are shown by their label.
COLUMNS = [
    (gettext_noop("Number"), lambda e: e.number),
    (gettext_noop("Title"), lambda e: e.title),
    (gettext_noop("Description"), lambda e: e.description),
    (gettext_noop("Category"), lambda e: e.category.name),
    (gettext_noop("Main category"), lambda e: e.category.parent.name if e.category.parent_id else ""),
    (gettext_noop("Board"), lambda e: _label(BoardKind, e.board_kind)),
    (gettext_noop("Status"), lambda e: _label(EventStatus, e.status)),
    (gettext_noop("Handling level"), lambda e: _label(HandlingLevel, e.level)),
    (gettext_noop("Channel"), lambda e: _label(EventChannel, e.channel)),
    (gettext_noop("Source"), lambda e: _label(EventSource, e.source)),
    (gettext_noop("Urgency"), lambda e: _label(Urgency, e.urgency)),
    (gettext_noop("Town"), lambda e: e.town.name),
    (gettext_noop("Village/community"), lambda e: e.community.name if e.community_id else ""),
    (gettext_noop("Grid"), lambda e: e.grid.name if e.grid_id else ""),
    (gettext_noop("Address"), lambda e: e.address),
    (gettext_noop("Reporter"), lambda e: e.reporter_name),
    (gettext_noop("Reporter's phone"), None),  # phone_for(actor, …)
    (gettext_noop("Reported at"), lambda e: e.reported_at),
    (gettext_noop("Accepted at"), lambda e: e.accepted_at),
    (gettext_noop("Dispatched at"), lambda e: e.dispatched_at),
    (gettext_noop("Fed back at"), lambda e: e.feedback_at),
    (gettext_noop("Closed at"), lambda e: e.closed_at),
    (gettext_noop("Deadline"), lambda e: e.due_at),
    (gettext_noop("Overdue"), lambda e: _("Yes") if e.is_overdue else _("No")),
    (gettext_noop("Reworked"), lambda e: e.rework_count),
    (gettext_noop("Satisfaction"), lambda e: _label(Satisfaction, e.satisfaction) if e.satisfaction else ""),
]
PHONE_COLUMN = "Reporter's phone"


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def phone_for(actor, phone: str) -> str:
    """The reporter's phone as ``actor`` may read it: masked for every role today (the same rule
    as the event page and the API)."""
    return mask_phone(phone)


def may_export(actor) -> bool:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or any(g.role in STAFF_ROLES for g in user_grants(actor))


def _cell_value(value):
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no zones: local time
    return value


def event_export(*, actor, criteria: EventSearchIn) -> tuple[bytes, int]:
    """(the .xlsx bytes, the number of events in it). See the module docstring."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if not may_export(actor):
        raise PermissionDenied(_("Only staff may export events."), code="event.export_forbidden")
    qs = event_search(user=actor, criteria=criteria)
    total = qs.count()
    if total > EXPORT_ROW_CAP:
        raise ValidationFailed(
            _("%(total)d events match; an export holds at most %(cap)d. Narrow the filters (a shorter date "
              "range, an area, a status).") % {"total": total, "cap": EXPORT_ROW_CAP},
            code="search.export_too_many", fields={"__all__": _("Too many events.")})
    wb = Workbook(write_only=True)
    with translation.override(EXPORT_LANGUAGE):
        ws = wb.create_sheet(_("Events"))
        bold = Font(bold=True)
        header = []
        for msgid, _fn in COLUMNS:
            cell = WriteOnlyCell(ws, value=_(msgid))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        count = 0
        for event in qs.iterator(chunk_size=2000):
            row = []
            for msgid, fn in COLUMNS:
                value = phone_for(actor, event.reporter_phone) if msgid == PHONE_COLUMN else _cell_value(fn(event))
                if hasattr(value, "hour"):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = DATETIME_FORMAT
                    value = cell
                row.append(value)
            ws.append(row)
            count += 1
    buf = io.BytesIO()
    wb.save(buf)
    with transaction.atomic():
        audit_record(actor=actor, action="event.export", object_type="events.event",
                     data={"filters": criteria_as_data(criteria), "rows": count})
    return buf.getvalue(), count
