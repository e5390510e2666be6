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
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

from jiewang.events.choices import LocationStatus
from jiewang.events.models import Event, MatterCategory

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


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


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


def request_out(event: Event, request) -> dict:
    """One event as a GeoReport request (an event fetched by ``selectors.public_requests``)."""
    notes = selectors.request_notes(event)
    status = selectors.open311_status(event.status)
    media_url = None
    sub = getattr(event, "open311_submission", None)
    if event.photo_list:
        media_url = request.build_absolute_uri(event.photo_list[0].file.url)
    elif sub is not None and sub.media_url:
        media_url = sub.media_url
    return {
        "service_request_id": event.number,
        "status": status,
        "status_notes": selectors.request_status_notes(event) or None,
        "service_name": event.category.name,
        "service_code": event.category.code,
        "description": event.description,
        "agency_responsible": selectors.request_agency(event),
        "service_notice": None,
        "requested_datetime": iso(event.reported_at),
        "updated_datetime": iso(notes[-1].at if notes else event.reported_at),
        "expected_datetime": iso(event.due_at) if status == "open" else None,
        "address": event.address or None,
        "address_id": (sub.address_id or None) if sub is not None else None,
        "zipcode": None,
        "lat": event.lat,
        "long": event.lon,
        "media_url": media_url,
        # extensions (GeoReport v2 Extensions.md)
        "detailed_status": event.status,
        "title": event.title,
        "notes": [{"datetime": iso(n.at), "description": n.description, "type": n.type} for n in notes],
    }


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


def _xml_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_ILLEGAL.sub("", str(value))


def _xml_fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _xml_fill(ET.SubElement(element, item), child)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, payload) -> bytes:
    element = ET.Element(root)
    _xml_fill(element, payload)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


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
