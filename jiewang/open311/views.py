"""The GeoReport v2 endpoints at ``/open311/v2/``, as plain Django views (the spec's format
suffixes, form-encoded POST and XML do not fit ninja).

Rules of this deployment (what a client integrator needs to know):

* Formats: ``.json`` and ``.xml`` on every method; any other suffix, method or path → 404 with an
  XML ``<errors>`` body. UTF-8 throughout; an empty optional parameter counts as absent.
* ``jurisdiction_id``: optional and ignored when it equals ``settings.OPEN311_JURISDICTION_ID``
  (default ``"jiewang"``); any other value → 404.
* Errors: ``[{code, description}]`` with ``code`` the HTTP status: 400 missing/invalid argument
  (our domain refusals too, e.g. ``event.outside_jurisdiction``, ``event.attributes_invalid``; the
  description carries our message and code), 403 bad or missing ``api_key``, 404 unknown service
  code, request, token or jurisdiction.
* ``POST requests``: ``api_key`` (form or query) required; ``service_code`` required; a location:
  ``lat`` and ``long`` (WGS84; the event is located to its grid), or — only with an api_key bound
  to a town — ``address_string`` and/or ``address_id`` alone: we do not geocode, the request
  lands in that town's command center "to be placed" (待定位) and is routed once an operator
  places it (an unbound key: 400 ``open311.location_required``; a key bound to a district or the
  city: 400 ``open311.address_needs_town``). The address is kept either way (``address_string``
  cut to 200 characters, ``address_id`` at most 128). ``attribute[code]=v`` and
  ``attribute[code][]=v`` (lists). Retry safety: ``Idempotency-Key`` header or ``device_id`` —
  see :mod:`jiewang.open311.services`. 201 when created, 200 when a retry returns the first event.
* ``GET requests``: public, see :mod:`jiewang.open311.selectors` for what is visible, the status
  mapping and the notes. ``start_date``/``end_date`` filter ``requested_datetime``, span at most 90
  days, default the last 90 days (one bound given: the other is 90 days away); a datetime without
  a zone is read in ``TIME_ZONE``. Newest first; ``page``/``page_size`` (extension, page_size ≤
  1000, default 1000).
* ``GET tokens/{token}``: we are realtime (POST answers with the ``service_request_id``), so no
  token ever exists: always 404 with an error body.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from jiewang.core.errors import ApplicationError, NotFound, PermissionDenied

from . import selectors, serializers, services
from .serializers import FORMATS, render, render_errors

MAX_SPAN = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# Limits of the columns the values end in.
MAX_LENGTHS = {"address_id": 128, "description": 4000, "first_name": 64, "last_name": 64, "phone": 32, "email": 254,
               "device_id": 128, "account_id": 128, "media_url": 1000, "Idempotency-Key": 200}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def jurisdiction_id() -> str:
    return getattr(settings, "OPEN311_JURISDICTION_ID", "jiewang")


def _describe(exc: ApplicationError) -> str:
    text = f"{exc.message} [{exc.code}]"
    if exc.fields:
        text += " " + "; ".join(f"{k}: {v}" for k, v in sorted(exc.fields.items()))
    return text


def _status_of(exc: ApplicationError) -> int:
    # The spec knows 400, 403 and 404 only: every other refusal (422, 409, 413) is a 400.
    if isinstance(exc, NotFound) or exc.status == 404:
        return 404
    if isinstance(exc, PermissionDenied) or exc.status == 403:
        return 403
    return 400


def endpoint(*methods: str):
    """Check the format, the method and ``jurisdiction_id``; turn refusals into the spec's error
    body in the requested format."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return render_errors("xml", 404, [f"未知格式 / Unknown format {fmt!r}: use .json or .xml."])
            if request.method not in methods:
                response = render_errors(fmt, 405, [f"不支持的方法 / Method {request.method} not allowed."])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                given = _param(request.POST if request.method == "POST" else request.GET, "jurisdiction_id")
                if given is None and request.method == "POST":
                    given = _param(request.GET, "jurisdiction_id")
                if given is not None and given != jurisdiction_id():
                    raise Open311Error(404, f"未知辖区 / Unknown jurisdiction_id {given!r} (this endpoint serves "
                                            f"{jurisdiction_id()!r}).")
                response = view(request, fmt, **kwargs)
            except Open311Error as exc:
                return render_errors(fmt, exc.status, [exc.description])
            except ApplicationError as exc:
                return render_errors(fmt, _status_of(exc), [_describe(exc)])
            if request.method == "GET":
                # Public, read-only data: browser-based clients may read it from anywhere.
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate


def _param(data, name: str) -> str | None:
    """A parameter's value, stripped; empty counts as absent."""
    value = data.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _limited(data, name: str) -> str:
    value = _param(data, name) or ""
    if len(value) > MAX_LENGTHS[name]:
        raise bad_request(f"{name} 过长 / {name} is too long (at most {MAX_LENGTHS[name]} characters).")
    return value


def _list_param(data, name: str) -> list[str]:
    value = _param(data, name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _int_param(data, name: str, default: int, maximum: int | None = None) -> int:
    value = _param(data, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"{name} 须为正整数 / {name} must be a positive integer.") from None
    if number < 1 or (maximum is not None and number > maximum):
        raise bad_request(f"{name} 须在 1–{maximum or '∞'} 之间 / {name} must be between 1 and "
                          f"{maximum or 'infinity'}.")
    return number


def _datetime_param(data, name: str) -> dt.datetime | None:
    value = _param(data, name)
    if value is None:
        return None
    # An unencoded "+08:00" arrives as " 08:00" (the form decoding turns + into a space).
    value = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", value)
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise bad_request(f"{name} 须为 ISO 8601 日期时间 / {name} must be an ISO 8601 datetime "
                          "(e.g. 2026-01-01T08:00:00+08:00).")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# ---- services -------------------------------------------------------------------------------

@endpoint("GET")
def service_list(request, fmt):
    return render(fmt, "services", [serializers.service_out(c) for c in selectors.service_list()])


@endpoint("GET")
def service_definition(request, fmt, code):
    return render(fmt, "service_definition", serializers.definition_out(selectors.service_get(code=code)))


# ---- requests -------------------------------------------------------------------------------

@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


def _list(request, fmt):
    data = request.GET
    ids = _list_param(data, "service_request_id")
    if len(ids) > MAX_IDS:
        raise bad_request(f"service_request_id 最多 {MAX_IDS} 个 / At most {MAX_IDS} ids.")
    page = _int_param(data, "page", 1)
    page_size = _int_param(data, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    offset = (page - 1) * page_size
    if ids:  # overrides every other filter
        rows = selectors.request_page(ids=ids, offset=offset, limit=page_size)
    else:
        statuses = _list_param(data, "status")
        if any(s not in ("open", "closed") for s in statuses):
            raise bad_request("status 只能为 open、closed 或 open,closed / status must be open, closed or both.")
        start, end = _datetime_param(data, "start_date"), _datetime_param(data, "end_date")
        if start is None and end is None:
            end = timezone.now()
            start = end - MAX_SPAN
        elif start is None:
            start = end - MAX_SPAN
        elif end is None:
            end = start + MAX_SPAN
        if start > end:
            raise bad_request("start_date 晚于 end_date / start_date is after end_date.")
        if end - start > MAX_SPAN:
            raise bad_request("日期范围不能超过 90 天 / start_date and end_date may not span more than 90 days.")
        rows = selectors.request_page(service_codes=_list_param(data, "service_code"), start=start, end=end,
                                      statuses=statuses, offset=offset, limit=page_size)
    return render(fmt, "service_requests", serializers.requests_out(rows, request))


def _float(data, name: str, low: float, high: float) -> float:
    value = _param(data, name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise bad_request(f"{name} 须为数字 / {name} must be a number (WGS84 degrees).") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise bad_request(f"{name} 超出范围 / {name} is out of range.")
    return number


def _attributes(data) -> dict:
    attributes: dict = {}
    for name, values in data.lists():
        m = ATTRIBUTE_RE.match(name)
        if not m:
            continue
        values = [v.strip() for v in values if v.strip()]
        if not values:
            continue  # empty = absent
        code, is_list = m.group(1), bool(m.group(2))
        if is_list or len(values) > 1:
            attributes.setdefault(code, [])
            if not isinstance(attributes[code], list):
                attributes[code] = [attributes[code]]
            attributes[code].extend(values)
        elif code in attributes and isinstance(attributes[code], list):
            attributes[code].extend(values)
        else:
            attributes[code] = values[0]
    return attributes


def _create(request, fmt):
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise bad_request("请以 application/x-www-form-urlencoded 提交 / POST the parameters form-encoded "
                          "(application/x-www-form-urlencoded; charset=utf-8).")
    data = request.POST
    api_key = services.api_key_authenticate(_param(data, "api_key") or _param(request.GET, "api_key"))
    if api_key is None:
        raise Open311Error(403, "api_key 缺失或无效 / Missing or invalid api_key.")
    code = _param(data, "service_code")
    if code is None:
        raise bad_request("缺少 service_code / service_code is required.")
    category = selectors.service_get(code=code)
    # address_string is cut to our column (as before); address_id is refused when too long.
    address, address_id = (_param(data, "address_string") or "")[:200], _limited(data, "address_id")
    has_lat, has_long = _param(data, "lat") is not None, _param(data, "long") is not None
    if has_lat or has_long or not (address or address_id):
        if not (has_lat and has_long):
            raise bad_request("须提供 lat 和 long（或仅提供地址，需 api_key 绑定镇街）/ lat and long are required "
                              "(or, with an api_key bound to a town, address_string or address_id alone).")
        lat, lon = _float(data, "lat", -90, 90), _float(data, "long", -180, 180)
    else:  # located by the address only: the key must be bound to a town (services.address_only_town)
        lat = lon = None
    email = _limited(data, "email")
    if email:
        try:
            EmailValidator()(email)
        except DjangoValidationError:
            raise bad_request("email 格式无效 / email is not a valid address.") from None
    media_url = _limited(data, "media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except DjangoValidationError:
            raise bad_request("media_url 须为 http(s) 地址 / media_url must be an http(s) URL.") from None
    idempotency = request.headers.get("Idempotency-Key", "").strip() or None
    if idempotency and len(idempotency) > MAX_LENGTHS["Idempotency-Key"]:
        raise bad_request("Idempotency-Key 过长 / Idempotency-Key is too long (at most 200 characters).")
    account_id = _limited(data, "account_id")
    event, created = services.service_request_create(
        api_key=api_key, category=category, lon=lon, lat=lat, description=_limited(data, "description"),
        attributes=_attributes(data), address=address, address_id=address_id,
        first_name=_limited(data, "first_name"), last_name=_limited(data, "last_name"),
        phone=_limited(data, "phone"), email=email, device_id=_limited(data, "device_id"),
        account_id=account_id, media_url=media_url, idempotency_header=idempotency,
        body_sha256=services.body_hash([(k, v) for k, vs in data.lists() for v in vs]),
    )
    return render(fmt, "service_requests", [serializers.created_out(event, account_id)],
                  status=201 if created else 200)


@endpoint("GET")
def request_detail(request, fmt, request_id):
    row = selectors.request_get(number=request_id)
    return render(fmt, "service_requests", serializers.requests_out([row], request))


@endpoint("GET")
def token_detail(request, fmt, token):
    raise Open311Error(404, "令牌不存在：本接口实时返回 service_request_id，从不发放令牌 / Unknown token: this "
                            "endpoint is realtime (POST returns the service_request_id) and never issues tokens.")


@csrf_exempt
def not_found(request, rest=""):
    """Any other path under /open311/v2/ (an unknown method or a missing format suffix)."""
    return render_errors("xml", 404, [f"未知资源 / Unknown resource {rest!r}: see GeoReport v2 "
                                      "(services, requests, tokens; suffix .json or .xml)."])
