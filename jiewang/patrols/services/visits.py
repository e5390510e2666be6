"""Visit logs (走访记录) and the event a visit turns into.

:func:`visit_record` — a grid worker records a visit to a household or a key person of their grid
(found through base data's scoped selectors; a key person is visited at their house, so the
household counts as visited too); idempotent by the phone's ``client_id``; audited.

:func:`visit_report_event` — "a problem found becomes an event in one tap": the event is reported
through intake (channel ``patrol``, source ``proactive``) at the visit's place (the phone's
position, else the address's, else the building's), titled and described from the visit with the
person and the address, under the idempotency key ``visit-<id>`` (a retry returns the same event),
and linked to the visit (``Visit.event``). One event per visit.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiewang.audit.services import audit_record
from jiewang.basedata.models import House, KeyPerson
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.events.choices import EventChannel, EventSource, Urgency
from jiewang.events.models import Event, MatterCategory

from ..choices import VisitSubject
from ..models import Visit
from .common import CLOCK_SKEW, MAX_DELAY, check_point, ensure_own, ensure_worker_of

TEXT_LIMITS = {"findings": 2000, "needs": 1000, "follow_up": 1000}


def _clean_text(values: dict) -> dict:
    out, errors = {}, {}
    for name, limit in TEXT_LIMITS.items():
        v = (values.get(name) or "").strip()
        if len(v) > limit:
            errors[name] = f"at most {limit} characters"
        out[name] = v
    if errors:
        raise ValidationFailed("内容过长 / Text too long.", code="validation_failed", fields=errors)
    return out


def visit_record(*, actor, house: House | None = None, key_person: KeyPerson | None = None,
                 visited_at: dt.datetime | None = None, findings: str = "", needs: str = "", follow_up: str = "",
                 follow_up_due: dt.date | None = None, lon: float | None = None, lat: float | None = None,
                 client_id: str = "") -> tuple[Visit, bool]:
    """Record a visit. Returns ``(visit, created)``."""
    if key_person is not None:
        if key_person.ended_at is not None:
            raise Conflict("该人员已不在重点人群 / This membership has ended.", code="visit.key_person_ended")
        house = key_person.resident.house
    if house is None:
        raise ValidationFailed("请选择住户或重点人员 / Choose a household or a key person.",
                               code="visit.subject_required", fields={"house_id": "required"})
    grid = house.grid
    ensure_worker_of(actor, grid)
    client_id = (client_id or "").strip()[:64]
    if client_id and actor is not None:
        same = Visit.objects.filter(worker=actor, client_id=client_id).first()
        if same is not None:
            return same, False
    now = timezone.now()
    visited_at = visited_at or now
    if timezone.is_naive(visited_at) or not now - MAX_DELAY <= visited_at <= now + CLOCK_SKEW:
        raise ValidationFailed("走访时间无效 / The visit time must be within the last 7 days.",
                               code="visit.bad_time", fields={"visited_at": "within the last 7 days"})
    if (lon is None) != (lat is None):
        raise ValidationFailed("坐标不完整 / Give both longitude and latitude.", code="patrol.bad_point",
                               fields={"lon": "with lat"})
    if lon is not None:
        check_point(lon, lat)
    text = _clean_text({"findings": findings, "needs": needs, "follow_up": follow_up})
    visit = Visit(worker=actor, grid=grid, area_path=grid.path, house=house, key_person=key_person,
                  subject=VisitSubject.KEY_PERSON if key_person else VisitSubject.HOUSEHOLD, visited_at=visited_at,
                  follow_up_due=follow_up_due, lon=lon, lat=lat, client_id=client_id, **text)
    try:
        with transaction.atomic():
            visit.save()
            audit_record(actor=actor, action="visit.record", obj=visit,
                         data={"house": house.pk, "key_person": key_person.pk if key_person else None})
    except IntegrityError:
        same = Visit.objects.filter(worker=actor, client_id=client_id).first() if client_id else None
        if same is None:
            raise
        return same, False
    return visit, True


def _place(visit: Visit) -> tuple[float, float]:
    address = visit.house.address
    for lon, lat in ((visit.lon, visit.lat), (address.lon, address.lat),
                     (address.building.lon, address.building.lat)):
        if lon is not None and lat is not None:
            return lon, lat
    raise ValidationFailed("走访没有位置，请在上报页标注位置 / The visit has no place: report it from the form.",
                           code="visit.no_place")


def _person(visit: Visit) -> str:
    return visit.key_person.resident.name if visit.key_person_id else ""


def event_prefill(visit: Visit) -> dict:
    """What the report form and the event are pre-filled with: the place, the person, the
    findings (the grid worker's report form reads this through ``?visit=<id>``)."""
    address = visit.house.address.text
    person = _person(visit)
    group = visit.key_person.group.name if visit.key_person_id else ""
    who = f"{person}（{group}）" if person else ""
    title = (visit.findings or visit.needs or "走访发现问题").strip().splitlines()[0][:60]
    lines = [f"走访记录 #{visit.pk}：{address}{(' ' + who) if who else ''}"]
    if visit.findings:
        lines.append(f"发现：{visit.findings}")
    if visit.needs:
        lines.append(f"诉求：{visit.needs}")
    try:
        lon, lat = _place(visit)
    except ValidationFailed:
        lon = lat = None
    return {"title": title, "description": "\n".join(lines)[:4000], "address": address[:200], "lon": lon,
            "lat": lat, "person": person}


def visit_report_event(*, actor, visit: Visit, category: MatterCategory, title: str = "", description: str = "",
                       urgency: str = Urgency.NORMAL, lon: float | None = None,
                       lat: float | None = None) -> tuple[Event, bool]:
    """Report the problem a visit found as an event (one per visit). Returns ``(event, created)``."""
    from jiewang.events.services.intake import event_report

    ensure_own(actor, visit, "走访")
    if visit.event_id:
        return visit.event, False
    prefill = event_prefill(visit)
    if lon is None or lat is None:
        lon, lat = _place(visit)
    event, created = event_report(
        actor=actor, channel=EventChannel.PATROL, source=EventSource.PROACTIVE, category=category, lon=lon, lat=lat,
        title=(title or prefill["title"]).strip(), description=(description or prefill["description"]),
        urgency=urgency, address=prefill["address"], idempotency_key=f"visit-{visit.pk}")
    with transaction.atomic():
        Visit.objects.filter(pk=visit.pk, event__isnull=True).update(event=event)
        audit_record(actor=actor, action="visit.report_event", obj=visit, data={"event": event.number})
    visit.event = event
    return event, created
