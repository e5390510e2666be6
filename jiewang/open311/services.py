"""Writes of the Open311 facade: API keys and service requests.

A service request enters the same intake as every other channel,
:func:`jiewang.events.services.intake.event_report` with ``channel="open311"`` and no actor
(locate → grid → route → deadline); this module only adds the Open311 bookkeeping around it.

Address only: a request without a point, from a key bound to a town, enters
:func:`jiewang.events.services.placing.event_report_unplaced` instead: numbered under that town,
held by its command center until an operator places it on the map (待定位). A key bound to a
district or the city is refused such a request (400, ``open311.address_needs_town``): an event is
numbered and held by one town, and a district key does not say which (we do not geocode); such a
client sends ``lat``/``long``. A key bound to no area is refused too (``open311.location_required``).

Retry safety (the rule clients rely on):

* ``Idempotency-Key`` header given: the event's key is ``o311:k:`` + SHA-256 of (API key id,
  header). Any later POST with the same key from the same API key returns the first event and
  creates nothing; the same key with a *different* form body is refused (400,
  ``open311.idempotency_key_reused``). Keys of different API keys never collide.
* no header, but ``device_id`` given: the key is derived, ``o311:d:`` + SHA-256 of (API key id,
  device_id, SHA-256 of the canonical body, UTC day). An identical POST from the same device
  within 24 hours returns the first event (the previous day's key is also looked up, so a retry
  across midnight is still caught); the same report a day later is a new event.
* neither: every POST creates an event (the intake still flags possible duplicates nearby for the
  operator to merge).

The canonical body is every form field except ``api_key``, as sorted ``(name, value)`` pairs, so
the order of the fields does not matter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.db import transaction
from django.utils import timezone

from jiewang.areas.choices import AreaLevel
from jiewang.audit.services import audit_record
from jiewang.core.errors import ValidationFailed
from jiewang.events.choices import EventChannel
from jiewang.events.models import Event, MatterCategory
from jiewang.events.services.intake import event_report
from jiewang.events.services.placing import event_report_unplaced

from .models import ApiKey, Submission

KEY_PREFIX = "o311_"
DERIVED_KEY_WINDOW = dt.timedelta(hours=24)
# last_used_at is written at most this often per key (it is informative, not an audit trail).
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- API keys -------------------------------------------------------------------------------

def api_key_generate() -> tuple[str, str, str]:
    """A new clear key with its display prefix and stored hash: ``(clear, prefix, sha256)``."""
    clear = KEY_PREFIX + secrets.token_urlsafe(32)
    return clear, clear[:12], _sha256(clear)


def check_key_area(area) -> None:
    """A key is bound to a town or higher (a community or a grid is not a command center)."""
    if area is not None and area.level > AreaLevel.TOWN:
        raise ValidationFailed("API 密钥只能绑定到镇街及以上 / An API key is bound to a town or higher.",
                               code="open311.key_area_level", fields={"area": "a town, district or city"})


@transaction.atomic
def api_key_create(*, actor, name: str, organization: str = "", area=None) -> tuple[ApiKey, str]:
    """Create a key for one Open311 client, optionally bound to ``area`` (a town or higher).
    Returns ``(key, clear)``: the clear key exists only in this return value; show it once and
    never store it."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("名称必填 / A name is required.", code="open311.key_name_required")
    check_key_area(area)
    clear, prefix, key_hash = api_key_generate()
    key = ApiKey.objects.create(name=name[:100], organization=(organization or "").strip()[:200], prefix=prefix,
                                key_hash=key_hash, area=area,
                                created_by=actor if (actor is not None and getattr(actor, "pk", None)) else None)
    audit_record(actor=actor, action="open311_key.create", obj=key,
                 data={"name": key.name, "prefix": prefix, "area": area.code if area is not None else None})
    return key, clear


@transaction.atomic
def api_key_deactivate(*, actor, key: ApiKey) -> ApiKey:
    """Cut a client off. Its past submissions stay attributed to the key."""
    if key.is_active:
        ApiKey.objects.filter(pk=key.pk).update(is_active=False)
        key.is_active = False
        audit_record(actor=actor, action="open311_key.deactivate", obj=key, data={"prefix": key.prefix})
    return key


def api_key_authenticate(clear: str | None) -> ApiKey | None:
    """The active key matching ``clear``, or None. Marks it used."""
    clear = (clear or "").strip()
    if not clear or len(clear) > 200:
        return None
    key = ApiKey.objects.select_related("area").filter(key_hash=_sha256(clear), is_active=True).first()
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_GRANULARITY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key


# ---- service requests -----------------------------------------------------------------------

def body_hash(pairs: list[tuple[str, str]]) -> str:
    """SHA-256 of the canonical form body (see the module docstring)."""
    canonical = sorted((k, v) for k, v in pairs if k != "api_key")
    return _sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":")))


def _day(at: dt.datetime) -> int:
    return int(at.timestamp() // 86400)


def header_key(api_key: ApiKey, header: str) -> str:
    return "o311:k:" + _sha256(f"{api_key.pk}:{header}")


def derived_key(api_key: ApiKey, device_id: str, body_sha256: str, day: int) -> str:
    return "o311:d:" + _sha256(f"{api_key.pk}:{device_id}:{body_sha256}:{day}")


def _replay(api_key: ApiKey, key: str, body_sha256: str) -> Event | None:
    sub = Submission.objects.select_related("event").filter(idempotency_key=key).first()
    if sub is None:
        return None
    if sub.api_key_id != api_key.pk or sub.body_sha256 != body_sha256:
        raise ValidationFailed("该 Idempotency-Key 已用于另一请求 / This Idempotency-Key was used for another "
                               "request.", code="open311.idempotency_key_reused")
    return sub.event


def retry_key(*, api_key: ApiKey, idempotency_header: str | None, device_id: str, body_sha256: str,
              now: dt.datetime) -> tuple[str | None, Event | None]:
    """The idempotency key of this POST and, when it is a retry, the event it already created."""
    if idempotency_header:
        key = header_key(api_key, idempotency_header)
        return key, _replay(api_key, key, body_sha256)
    if device_id:
        today = derived_key(api_key, device_id, body_sha256, _day(now))
        for key in (today, derived_key(api_key, device_id, body_sha256, _day(now) - 1)):
            sub = Submission.objects.select_related("event").filter(
                idempotency_key=key, created_at__gte=now - DERIVED_KEY_WINDOW).first()
            if sub is not None:
                return key, sub.event
        return today, None
    return None, None


def reporter_name(first_name: str, last_name: str) -> str:
    """Chinese names are family name first with no space (张 + 三 → 张三); others "First Last"."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if first and last and all("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return (last + first)[:64]
    return " ".join(p for p in (first, last) if p)[:64]


def address_only_town(api_key: ApiKey):
    """The town that holds ``api_key``'s address-only requests, or a 400 saying why there is none."""
    area = api_key.area
    if area is None:
        raise ValidationFailed("须提供 lat 和 long：该 api_key 未绑定辖区，不能只凭地址受理 / lat and long are required: "
                               "this api_key is bound to no area, so a request located by address_string or "
                               "address_id alone cannot be taken.", code="open311.location_required")
    if area.level != AreaLevel.TOWN:
        raise ValidationFailed("须提供 lat 和 long：该 api_key 绑定到区县或市，只凭地址无法确定镇街 / lat and long are "
                               "required: this api_key is bound to a district or the city, and an address alone does "
                               "not say which town holds the request.", code="open311.address_needs_town")
    return area


def service_request_create(*, api_key: ApiKey, category: MatterCategory, lon: float | None, lat: float | None,
                           description: str = "", attributes: dict | None = None, address: str = "",
                           address_id: str = "", first_name: str = "", last_name: str = "", phone: str = "",
                           email: str = "", device_id: str = "", account_id: str = "", media_url: str = "",
                           idempotency_header: str | None = None, body_sha256: str = "") -> tuple[Event, bool]:
    """Create an event from an Open311 POST (or return the one an identical retry created).
    Without ``lon``/``lat`` the request is located by its address only (see the module
    docstring). Returns ``(event, created)``."""
    now = timezone.now()
    key, existing = retry_key(api_key=api_key, idempotency_header=idempotency_header, device_id=device_id,
                              body_sha256=body_sha256, now=now)
    if existing is not None:
        return existing, False
    town = address_only_town(api_key) if lon is None or lat is None else None
    description = (description or "").strip()
    common = {"actor": None, "channel": EventChannel.OPEN311, "category": category,
              "title": description[:60] or category.name, "description": description,
              "attributes": attributes or {}, "reporter_name": reporter_name(first_name, last_name),
              "reporter_phone": phone, "idempotency_key": key, "reported_at": now}
    with transaction.atomic():
        if town is None:
            event, created = event_report(**common, lon=lon, lat=lat, address=address)
        else:
            event, created = event_report_unplaced(
                **common, town=town, address=address or f"address_id: {address_id}")
        if created:
            Submission.objects.create(event=event, api_key=api_key, idempotency_key=key or "",
                                      body_sha256=body_sha256, device_id=device_id, account_id=account_id,
                                      email=email, media_url=media_url, address_id=address_id, created_at=now)
    if not created and key:
        # A concurrent twin won the race inside event_report: answer with its event, after the
        # same checks as a sequential retry.
        _replay(api_key, key, body_sha256)
    return event, created
