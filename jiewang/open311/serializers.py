"""Shaping and rendering GeoReport v2 answers, in JSON and XML.

The JSON mirrors the XML: a list at the top level becomes ``<services>``, ``<service_requests>``
or ``<errors>`` with one child per item; nested lists use the spec's element names
(``attributes/attribute``, ``values/value``, ``notes/note``). Datetimes are ISO 8601 with the
zone of ``TIME_ZONE`` (``2026-01-01T08:00:00+08:00``); absent values are ``null`` in JSON and empty
elements in XML; booleans are ``true``/``false`` in both.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.http import HttpResponse
from django.utils import timezone

from jiewang.events.choices import LocationStatus
from jiewang.events.models import Event, EventPhoto, MatterCategory

from . import selectors

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "application/xml; charset=utf-8"}
# The element name of one item of each list.
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute",
              "values": "value", "notes": "note", "errors": "error"}
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
DATATYPE_DESCRIPTIONS = {
    "number": "数字 / a number",
    "datetime": "ISO 8601 日期时间 / an ISO 8601 datetime",
    "singlevaluelist": "单选，填 key / one key of values",
    "multivaluelist": "可多选：attribute[code][]=key / one or more keys of values",
}


# ---- shapes ---------------------------------------------------------------------------------

def service_out(c: MatterCategory) -> dict:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": bool(c.attributes),
        "type": "realtime",
        # the spec's keywords are comma separated; ours are space separated
        "keywords": ",".join(c.keywords.split()),
        "group": c.parent.name if c.parent_id else c.get_board_kind_display(),
    }


def attribute_out(spec: dict, position: int) -> dict:
    datatype = spec.get("datatype", "string")
    if datatype not in DATATYPES:
        datatype = "string"
    return {
        "variable": True,
        "code": spec["code"],
        "datatype": datatype,
        "required": bool(spec.get("required", False)),
        "datatype_description": spec.get("datatype_description") or DATATYPE_DESCRIPTIONS.get(datatype, ""),
        "order": int(spec.get("order", position)),
        "description": spec.get("description", ""),
        "values": [{"key": str(v["key"]), "name": v.get("name", str(v["key"]))} for v in spec.get("values", [])],
    }


def definition_out(c: MatterCategory) -> dict:
    specs = sorted(enumerate(c.attributes or [], start=1), key=lambda p: (int(p[1].get("order", p[0])), p[0]))
    return {"service_code": c.code, "attributes": [attribute_out(s, i) for i, s in specs]}


class LocalISO:
    """UTC text ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (as :mod:`selectors` reads it) as ISO 8601 in a
    time zone, to the second: exactly ``timezone.localtime(v).isoformat(timespec="seconds")`` of
    that instant, without a datetime per value. The zone is applied once per hour of UTC (per
    process): the local ``YYYY-MM-DDTHH`` of that hour and the offset's text; the minutes and
    seconds are copied. An hour whose offset is not whole hours, or changes within the hour, is
    converted value by value."""

    _hours: dict = {}  # (zone, "YYYY-MM-DD HH") -> (local "YYYY-MM-DDTHH", offset text) or False

    def __init__(self, tz):
        self.tz = tz

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        hit = self._hours.get((self.tz, value[:13]))
        if hit is None:
            hit = self._hour(value)
        if hit:
            return hit[0] + value[13:19] + hit[1]
        return self.exact(value)

    def exact(self, value: str) -> str:
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC).astimezone(self.tz).isoformat(
            timespec="seconds")

    def _hour(self, value: str):
        start = dt.datetime.fromisoformat(value[:13] + ":00:00").replace(tzinfo=dt.UTC).astimezone(self.tz)
        end = (start + dt.timedelta(hours=1) - dt.timedelta(microseconds=1)).astimezone(self.tz)
        offset = start.utcoffset()
        hit = False
        if offset == end.utcoffset() and offset % dt.timedelta(hours=1) == dt.timedelta(0):
            text = start.isoformat(timespec="seconds")
            hit = (text[:13], text[19:])
        if len(self._hours) > 100_000:
            self._hours.clear()
        self._hours[(self.tz, value[:13])] = hit
        return hit


class RequestContext:
    """What rendering a page of requests needs once, not per row: the time zone, the storage of
    photos and the absolute URL of the site."""

    def __init__(self, request):
        self.iso = LocalISO(timezone.get_current_timezone())
        self.request = request
        self.storage = EventPhoto._meta.get_field("file").storage

    def photo_url(self, name: str) -> str:
        return self.request.build_absolute_uri(self.storage.url(name))


def request_out(row: selectors.RequestRow, ctx: RequestContext) -> dict:
    """One request read by :func:`selectors.request_page`."""
    iso = ctx.iso
    private, labels = selectors.PRIVATE_COMMENT_ACTIONS, selectors.NOTE_LABELS
    # a note's text: the step's comment, or its name when there is none or the comment stays private
    notes = [{"datetime": iso(at), "description": ("" if action in private else comment.strip()) or labels[action],
              "type": action} for at, action, comment in row.notes]
    status = selectors.open311_status(row.status)
    requested = iso(row.reported_at)
    if row.photo is not None:
        media_url = ctx.photo_url(row.photo)
    else:
        media_url = row.submitted_media_url or None
    return {
        "service_request_id": row.number,
        "status": status,
        "status_notes": selectors.request_status_notes(row) or None,
        "service_name": row.service_name,
        "service_code": row.service_code,
        "description": row.description,
        "agency_responsible": row.agency,
        "service_notice": None,
        "requested_datetime": requested,
        "updated_datetime": notes[-1]["datetime"] if notes else requested,
        "expected_datetime": iso(row.due_at) if status == "open" else None,
        "address": row.address or None,
        "address_id": row.submitted_address_id or None,
        "zipcode": None,
        "lat": row.lat,
        "long": row.lon,
        "media_url": media_url,
        # extensions (GeoReport v2 Extensions.md)
        "detailed_status": row.status,
        "title": row.title,
        "notes": notes,
    }


def requests_out(rows: list[selectors.RequestRow], request) -> list[dict]:
    ctx = RequestContext(request)
    return [request_out(row, ctx) for row in rows]


def created_out(event: Event, account_id: str) -> dict:
    if event.location_status == LocationStatus.UNPLACED:
        notice = (f"已登记为事件 {event.number}，待{event.town.name}指挥中心按地址定位后受理。/ Registered as event "
                  f"{event.number}; the command center of {event.town.name} will place it on the map by its "
                  "address, then route it.")
    else:
        notice = (f"已登记为事件 {event.number}，将由所在网格受理。/ Registered as event {event.number}; "
                  "the grid it lies in will take it on.")
    return {
        "service_request_id": event.number,
        "service_notice": notice,
        "account_id": account_id or None,
    }


# ---- rendering ------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (text typed elsewhere may hold them).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# Characters that make a text need work: the illegal ones and those ElementTree escapes.
XML_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_escape(text: str) -> str:
    """What ElementTree's ``_escape_cdata`` writes for ``text`` once the illegal characters are
    dropped."""
    text = XML_ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_write(out: list, tag: str, value) -> None:
    """``value`` as the element ``tag``, appended to ``out`` in pieces: what ElementTree would
    write for it (``<a />`` when empty; text escaped as its ``_escape_cdata`` does), in one pass
    without building a tree."""
    kind = type(value)
    if kind is dict:
        if not value:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>")
        for key, child in value.items():
            kind = type(child)
            if kind is str:  # the common case, inline
                if child and XML_SPECIAL.search(child) is not None:
                    child = _xml_escape(child)
                out.append(f"<{key}>{child}</{key}>" if child else f"<{key} />")
            elif child is None:
                out.append(f"<{key} />")
            else:
                _xml_write(out, key, child)
        out.append(f"</{tag}>")
        return
    if kind is list:
        if not value:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>")
        item = ITEM_NAMES.get(tag, "item")
        for child in value:
            _xml_write(out, item, child)
        out.append(f"</{tag}>")
        return
    if value is None:
        text = ""
    elif kind is bool:
        text = "true" if value else "false"
    else:
        text = value if kind is str else str(value)
        if text and XML_SPECIAL.search(text) is not None:
            text = _xml_escape(text)
    out.append(f"<{tag}>{text}</{tag}>" if text else f"<{tag} />")


def to_xml(root: str, payload) -> bytes:
    out = ["<?xml version='1.0' encoding='utf-8'?>\n"]
    _xml_write(out, root, payload)
    return "".join(out).encode("utf-8", "xmlcharrefreplace")


def render(fmt: str, root: str, payload, *, status: int = 200) -> HttpResponse:
    """``payload`` (a list, or a dict for the service definition) as JSON or as XML under
    ``<root>``."""
    if fmt == "xml":
        body = to_xml(root, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error body: a list of ``{code, description}``, the code being the HTTP status."""
    return render(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status=status)
