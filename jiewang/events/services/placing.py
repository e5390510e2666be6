"""Events reported by address only (地址上报), and placing them on the map (定位).

Every channel reports a point, which intake locates to its grid. The one exception is an Open311
client whose API key is bound to a town: it may send an address (``address_string`` or
``address_id``) without ``lat``/``long``, and we do not geocode. Such a request becomes an
*unplaced* event (``location_status = "unplaced"``, 待定位) through
:func:`event_report_unplaced`: no point, no grid or community, ``area_path`` = the town's path
(so the town's and the district's roles see it, the grids and communities do not), held at level
``town`` by the town's command center, numbered under the town like any of its events, the
address kept, the accept clock running. The command center lists it under "To place". The
town may also void it, escalate it, or accept it as it is (handled by its address: it then keeps
no point).

An operator of the level holding it places it (:func:`event_place`, the registry action
``place``, the lifecycle move ``place``: reported → reported). The point must lie inside the
event's town; it is located by intake's own code (:func:`.intake._place`), so lon/lat, grid,
community, ``area_path`` and level are what intake would have set had the client sent the point;
the number stays. The move records the activity and (through the transition hook) tells the new
holder; the accept clock restarts for it. From then on the event is routed like any other.

Kept apart from :mod:`.intake` (which only lends its helpers) so that intake's hot path stays as
it is.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import Conflict, NotFound, ValidationFailed

from ..choices import EventSource, EventStatus, HandlingLevel, LocationStatus, Urgency
from ..models import Event, EventActivity, MatterCategory
from ..registry import authorize
from .clocks import clock_start
from .intake import (
    _CHANNELS,
    _SOURCES,
    _URGENCIES,
    _check_channel,
    check_content,
    _next_number,
    _place,
    _validate_attributes,
    event_for_retry,
    run_intake_hooks,
)
from .transition import event_transition

CRS_VALUES = ("wgs84", "gcj02")


def _clean(*, channel, category, title, description, urgency, source, attributes, address) -> tuple[str, dict, str]:
    """The checks intake makes on a report's content, without a point; plus: an address is
    required (it is all the operator has to place the event by)."""
    if channel not in _CHANNELS:
        raise ValidationFailed(f"未知渠道 / Unknown channel {channel!r}.", code="event.channel_unknown")
    if urgency not in _URGENCIES or source not in _SOURCES:
        raise ValidationFailed("紧急程度或来源无效 / Invalid urgency or source.", code="event.invalid_choice")
    title = check_content(title=title, description=description, category=category)
    address = (address or "").strip()
    if not address:
        raise ValidationFailed("未定位的事件须有地址 / An event without a point needs an address.",
                               code="event.address_required", fields={"address": "required"})
    return title, _validate_attributes(category, attributes or {}), address[:200]


def event_report_unplaced(*, actor, channel: str, category: MatterCategory, town: Area, title: str, address: str,
                          description: str = "", urgency: str = Urgency.NORMAL, source: str = EventSource.COMPLAINT,
                          attributes: dict | None = None, reporter_name: str = "", reporter_phone: str = "",
                          idempotency_key: str | None = None,
                          reported_at: dt.datetime | None = None) -> tuple[Event, bool]:
    """Create an event located by ``address`` only, held by ``town``'s command center until an
    operator places it. Returns ``(event, created)``; idempotent on ``idempotency_key`` like
    :func:`.intake.event_report`."""
    try:
        if town.level != AreaLevel.TOWN:
            raise ValidationFailed("须指定镇街 / The event must be held by a town.", code="event.town_required")
        title, attributes, address = _clean(channel=channel, category=category, title=title,
                                            description=description, urgency=urgency, source=source,
                                            attributes=attributes, address=address)
        _check_channel(actor, channel, town.path)
    except (ValidationFailed, NotFound):
        existing = event_for_retry(idempotency_key)
        if existing is not None:
            return existing, False
        raise
    from ..notify import LEVEL_ROLE, notify_event, recipients_with_role

    recipients = recipients_with_role(town.path, [LEVEL_ROLE[HandlingLevel.TOWN]], phones=urgency != Urgency.NORMAL)
    now = reported_at or timezone.now()
    try:
        with transaction.atomic():
            event = Event.objects.create(
                number=_next_number(town, timezone.localtime(now).year), status=EventStatus.REPORTED,
                level=HandlingLevel.TOWN, town=town, community=None, grid=None, area_path=town.path, lon=None,
                lat=None, address=address, location_status=LocationStatus.UNPLACED, category=category,
                board_kind=category.board_kind, title=title[:120], description=description or "",
                attributes=attributes, urgency=urgency, channel=channel, source=source, reporter=None,
                reporter_name=reporter_name, reporter_phone=reporter_phone, idempotency_key=idempotency_key or None,
                reported_at=now)
            EventActivity.objects.create(
                event=event, action="report", to_status=EventStatus.REPORTED, actor=actor,
                actor_role="" if actor is None else "reporter", at=now,
                data={"channel": channel, "level": HandlingLevel.TOWN, "locate": LocationStatus.UNPLACED})
            clock_start(event=event, kind="accept", start=now, fresh=True)
            notify_event(event, kind="event.report", title=f"待定位：{event.title}", users=recipients)
            run_intake_hooks(event)
            return event, True
    except IntegrityError:
        existing = event_for_retry(idempotency_key)
        if existing is not None:
            return existing, False
        raise


@transaction.atomic
def event_place(*, event: Event, actor, lon: float, lat: float, crs: str = "wgs84", comment: str = "",
                expected_version: int | None = None) -> Event:
    """定位: put an unplaced event on the map inside its town and route it as intake would have
    (see the module docstring). 409 ``event.already_placed`` when it has a point; 422
    ``event.place_outside_town`` (or ``event.outside_jurisdiction``) for a point elsewhere."""
    role = authorize("place", actor=actor, event=event)
    locked = Event.objects.select_for_update().select_related("category").get(pk=event.pk)
    if locked.location_status != LocationStatus.UNPLACED:
        raise Conflict("该事件已定位 / The event is already placed on the map.", code="event.already_placed",
                       fields={"location_status": locked.location_status})
    if crs not in CRS_VALUES:
        raise ValidationFailed("坐标系无效 / Unknown coordinate system.", code="event.crs_invalid",
                               fields={"crs": f"one of {list(CRS_VALUES)}"})
    # The channel's right to report was checked at intake: locate as the system would.
    place = _place(actor=None, channel=locked.channel, category=locked.category, lon=lon, lat=lat,
                   title=locked.title, description=locked.description, crs=crs, urgency=locked.urgency,
                   source=locked.source, attributes=locked.attributes)
    if place.town.pk != locked.town_id:
        raise ValidationFailed("该位置不在事件所属镇街内 / The point lies outside the event's town.",
                               code="event.place_outside_town", fields={"lon": lon, "lat": lat})
    now = timezone.now()
    changes = {"lon": place.lon, "lat": place.lat, "grid": place.grid,
               "community": place.chain.community, "area_path": place.chain.leaf.path,
               "level": place.level, "location_status": LocationStatus.PLACED}
    data = {"lon": place.lon, "lat": place.lat, "crs": crs, "from_level": locked.level, "to_level": place.level,
            "area": place.chain.leaf.code, "locate": place.locate_status, "distance_m": place.distance_m}
    event, _ = event_transition(event=locked, action="place", actor=actor, role=role, comment=(comment or "").strip(),
                                data=data, changes=changes, expected_version=expected_version, at=now)
    # The new holder gets the whole acceptance time (the old clock is cancelled).
    clock_start(event=event, kind="accept", start=now)
    return event

