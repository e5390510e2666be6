"""Intake: every channel (patrol, resident web, Open311, 12345 hotline, sensor, district) enters
through :func:`event_report`.

It is idempotent (a retried submission with the same key returns the first event), locates the
point with the locator, which answers with the grid's whole chain up to the city (cached per
process by the areas app and forgotten when an area's code, name, parent or validity changes; the
grid, community and town at report time are stored and never rewritten), numbers the event per
town and year with the town's current code, opens the accept clock, records the first activity,
and flags possible duplicates for the operator to merge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.areas.locator import AreaChain, get_locator
from jiewang.areas.locator.coords import gcj02_to_wgs84
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound, PermissionDenied, ValidationFailed
from jiewang.core.fastsql import insert
from jiewang.core.scope import user_grants

from ..choices import EventChannel, EventSource, EventStatus, HandlingLevel, Urgency
from ..models import Event, EventActivity, EventNumberSequence, MatterCategory
from ..notify import LEVEL_ROLE, recipients_with_role
from .clocks import clock_start

# Where a new event starts, by channel: patrol and resident reports go to the grid first; the
# hotline, sensors and the district reach the town command center directly.
START_LEVEL = {
    EventChannel.PATROL: HandlingLevel.GRID,
    EventChannel.RESIDENT_WEB: HandlingLevel.GRID,
    EventChannel.OPEN311: HandlingLevel.GRID,
    EventChannel.HOTLINE: HandlingLevel.TOWN,
    EventChannel.SENSOR: HandlingLevel.TOWN,
    EventChannel.DISTRICT: HandlingLevel.TOWN,
}
_CHANNELS, _URGENCIES, _SOURCES = (frozenset(c.values) for c in (EventChannel, Urgency, EventSource))
# Tasks the command center sends down are created by events.services.tasks, never reported.
_CHANNELS, _SOURCES = _CHANNELS - {EventChannel.CENTER}, _SOURCES - {EventSource.SENT_DOWN}
# Who may report through each channel (None = the system; residents may be anonymous).
CHANNEL_ROLES = {
    EventChannel.PATROL: {Role.GRID_WORKER, Role.COMMUNITY_STAFF},
    EventChannel.HOTLINE: {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN},
    EventChannel.SENSOR: {Role.TOWN_OPERATOR, Role.DISTRICT_ADMIN},
    EventChannel.DISTRICT: {Role.DISTRICT_ADMIN},
}

# fn(event) called inside intake's transaction once a new event is written (every channel, an
# unplaced one too): apps that must hear of a new event at once register here in ready(), since
# events may not import them (the duty raises an alarm for an urgent one). They run on the intake
# path: a hook must cost nothing (no query) for an ordinary event.
INTAKE_HOOKS: list = []


def register_intake_hook(fn) -> None:
    if fn not in INTAKE_HOOKS:
        INTAKE_HOOKS.append(fn)


def run_intake_hooks(event: Event) -> None:
    for hook in INTAKE_HOOKS:
        hook(event)


def _validate_attributes(category: MatterCategory, attributes: dict) -> dict:
    clean, errors = {}, {}
    for spec in category.attributes or []:
        code = spec["code"]
        value = attributes.get(code)
        if value in (None, "", []):
            if spec.get("required"):
                errors[code] = "required"
            continue
        dtype = spec.get("datatype", "string")
        keys = {v["key"] for v in spec.get("values", [])}
        if dtype == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                errors[code] = "number expected"
                continue
        elif dtype == "singlevaluelist" and str(value) not in keys:
            errors[code] = f"one of {sorted(keys)}"
            continue
        elif dtype == "multivaluelist":
            values = value if isinstance(value, list) else [value]
            if not set(map(str, values)) <= keys:
                errors[code] = f"subset of {sorted(keys)}"
                continue
            value = [str(v) for v in values]
        elif dtype == "datetime":
            try:
                dt.datetime.fromisoformat(str(value))
            except ValueError:
                errors[code] = "ISO 8601 datetime expected"
                continue
        clean[code] = value
    unknown = set(attributes) - {s["code"] for s in category.attributes or []}
    for code in unknown:
        errors[code] = "unknown field"
    if errors:
        raise ValidationFailed("附加字段有误 / Invalid extra fields.", code="event.attributes_invalid", fields=errors)
    return clean


def _next_number(town: Area, year: int) -> str:
    """The next number of the town's year: one atomic ``UPDATE … RETURNING`` (the row stays
    locked until commit, so numbers have no gaps and no twins)."""
    table = EventNumberSequence._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE town_id = %s AND year = %s RETURNING last"
    with connection.cursor() as cur:
        cur.execute(sql, [town.id, year])
        row = cur.fetchone()
    if row is None:  # the town's first event of the year
        try:
            with transaction.atomic():
                EventNumberSequence.objects.create(town=town, year=year, last=1)
            last = 1
        except IntegrityError:  # another report created it first
            with connection.cursor() as cur:
                cur.execute(sql, [town.id, year])
                last = cur.fetchone()[0]
    else:
        last = row[0]
    return f"{town.code}-{year}-{last:06d}"


def _check_channel(actor, channel: str, grid_path: str) -> str:
    allowed = CHANNEL_ROLES.get(channel)
    if allowed is None:  # resident channels: anyone, signed in or not
        return Role.RESIDENT
    if actor is None:
        return "system"
    if actor.is_superuser:
        return "superuser"
    for g in user_grants(actor):
        if g.role in allowed and grid_path.startswith(g.path):
            return g.role
    raise PermissionDenied("您无权通过该渠道在此上报 / You may not report through this channel here.",
                           code="event.channel_not_permitted", fields={"channel": channel})


def hash_track_token(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def new_track_token() -> str:
    """A short secret for an anonymous reporter (shown once, kept hashed)."""
    import secrets

    return secrets.token_urlsafe(12)


def event_report(*, actor, channel: str, category: MatterCategory, lon: float, lat: float, title: str,
                 description: str = "", crs: str = "wgs84", urgency: str = Urgency.NORMAL,
                 source: str = EventSource.COMPLAINT, attributes: dict | None = None, address: str = "",
                 reporter_name: str = "", reporter_phone: str = "", idempotency_key: str | None = None,
                 external_number: str = "", external_due_at: dt.datetime | None = None,
                 reported_at: dt.datetime | None = None, track_token: str = "") -> tuple[Event, bool]:
    """Create an event from any channel. Returns ``(event, created)``; ``created`` is False when
    ``idempotency_key`` was seen before (the first event is returned, nothing is written).

    The key is not looked up first: the unique index on it refuses the second insert and the
    first event is read then, so a first submission (nearly all of them) costs no extra query."""
    # Validation, location, the channel check and who is to be told only read: they run before
    # the write transaction, so that its lock (SQLite: the database's write lock, taken at BEGIN
    # IMMEDIATE; PostgreSQL: the town's number row) is held only for the writes.
    try:
        place = _place(actor=actor, channel=channel, category=category, lon=lon, lat=lat, title=title,
                       description=description, crs=crs, urgency=urgency, source=source, attributes=attributes)
    except (ValidationFailed, PermissionDenied, NotFound):
        existing = event_for_retry(idempotency_key)
        if existing is not None:  # a retry of a report accepted before (e.g. the tree moved since)
            return existing, False
        raise
    try:
        with transaction.atomic():
            event = _report(
                actor=actor, channel=channel, category=category, description=description, urgency=urgency,
                source=source, address=address, reporter_name=reporter_name, reporter_phone=reporter_phone,
                idempotency_key=idempotency_key, external_number=external_number,
                external_due_at=external_due_at, reported_at=reported_at, track_token=track_token, place=place)
            return event, True
    except IntegrityError:
        existing = event_for_retry(idempotency_key)
        if existing is not None:
            return existing, False
        raise


def event_for_retry(idempotency_key: str | None) -> Event | None:
    """The event a submission with this idempotency key created before, if any."""
    if not idempotency_key:
        return None
    return Event.objects.filter(idempotency_key=idempotency_key).first()


@dataclass(frozen=True)
class _Place:
    """What intake learns before writing: the cleaned input and where the point lies (lon/lat in
    WGS84; the located leaf's chain, whose areas are shared by the process: read only)."""

    title: str
    attributes: dict
    lon: float
    lat: float
    locate_status: str
    distance_m: float | None
    chain: AreaChain
    town: Area
    grid: Area | None
    level: str
    recipients: list


def check_content(*, title: str, description: str, category: MatterCategory) -> str:
    """The checks every new event's content passes, whoever creates it (intake, an address-only
    report, a task sent down): a title, a description of at most 4,000 characters, an active
    category. Returns the title stripped."""
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("标题必填 / A title is required.", code="event.title_required", fields={"title": "required"})
    if len(description or "") > 4000:
        raise ValidationFailed("描述过长（最多 4000 字）/ Description too long.", code="event.description_too_long")
    if not category.is_active:
        raise NotFound("事项类别不存在 / Unknown category.", code="event.category_unknown")
    return title


def _place(*, actor, channel: str, category: MatterCategory, lon: float, lat: float, title: str,
           description: str, crs: str, urgency: str, source: str, attributes: dict | None) -> _Place:
    """Validate the report, locate it and check the channel (reads only; raises on bad input)."""
    if channel not in _CHANNELS:
        raise ValidationFailed(f"未知渠道 / Unknown channel {channel!r}.", code="event.channel_unknown")
    if urgency not in _URGENCIES or source not in _SOURCES:
        raise ValidationFailed("紧急程度或来源无效 / Invalid urgency or source.", code="event.invalid_choice")
    title = check_content(title=title, description=description, category=category)
    attributes = _validate_attributes(category, attributes or {})
    result, chain = get_locator().locate_chain(lon, lat, crs=crs)
    if chain is None:
        raise ValidationFailed("该位置不在辖区内 / The location is outside the jurisdiction.",
                               code="event.outside_jurisdiction", fields={"lon": lon, "lat": lat})
    if crs == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    town = chain.town
    if town is None:
        raise ValidationFailed("该位置不属于任何镇街 / The location belongs to no town.",
                               code="event.outside_jurisdiction")
    grid = chain.grid
    path = chain.leaf.path
    _check_channel(actor, channel, path)
    level = START_LEVEL[channel]
    if grid is None and level == HandlingLevel.GRID:
        level = HandlingLevel.COMMUNITY if chain.community else HandlingLevel.TOWN
    recipients = recipients_with_role(path, [LEVEL_ROLE[level]], phones=urgency != Urgency.NORMAL)
    return _Place(title=title, attributes=attributes, lon=lon, lat=lat, locate_status=result.status,
                  distance_m=result.distance_m, chain=chain, town=town, grid=grid, level=level,
                  recipients=recipients)


def _report(*, actor, channel: str, category: MatterCategory, description: str, urgency: str, source: str,
            address: str, reporter_name: str, reporter_phone: str, idempotency_key: str | None,
            external_number: str, external_due_at: dt.datetime | None, reported_at: dt.datetime | None,
            track_token: str, place: _Place) -> Event:
    """The writes of one report, inside the caller's transaction.

    The town's number is taken first: its row stays locked until commit (PostgreSQL) and every
    report of the town waits for it, so only the few inserts below run under it."""
    from ..notify import notify_event

    title, attributes, lon, lat = place.title, place.attributes, place.lon, place.lat
    chain, town, grid, level = place.chain, place.town, place.grid, place.level
    now = reported_at or timezone.now()
    event = insert(Event(
        number=_next_number(town, timezone.localtime(now).year), status=EventStatus.REPORTED, level=level,
        town=town, community=chain.community, grid=grid, area_path=chain.leaf.path, lon=lon, lat=lat,
        address=address, category=category, board_kind=category.board_kind, title=title[:120],
        description=description or "", attributes=attributes, urgency=urgency, channel=channel, source=source,
        reporter=actor if (actor is not None and channel in (EventChannel.RESIDENT_WEB, EventChannel.OPEN311,
                                                             EventChannel.PATROL)) else None,
        reporter_name=reporter_name, reporter_phone=reporter_phone, idempotency_key=idempotency_key or None,
        external_number=external_number, external_due_at=external_due_at, reported_at=now,
        due_at=external_due_at,  # a 12345 work order's handling deadline is known from the start
        track_token_hash=hash_track_token(track_token) if track_token else "",
    ))
    insert(EventActivity(
        event=event, action="report", to_status=EventStatus.REPORTED, actor=actor,
        actor_role="" if actor is None else "reporter", at=now,
        data={"channel": channel, "level": level, "locate": place.locate_status,
              "distance_m": place.distance_m},
    ))
    if external_due_at is not None:
        clock_start(event=event, kind="handle", start=now, due_at=external_due_at, unit="calendar_hours",
                    fresh=True)
    clock_start(event=event, kind="accept", start=now, fresh=True)
    notify_event(event, kind="event.report", users=place.recipients)
    run_intake_hooks(event)
    return event
