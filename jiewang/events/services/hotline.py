"""12345 hotline work orders: import a batch (CSV or Excel) through the same intake service.

Each row keeps the hotline's own number (``external_number``) and deadline (``external_due_at``);
the idempotency key ``12345:<number>`` makes a re-imported file create nothing twice. The import
reports row by row: good rows are created, bad rows are listed with their errors (a hotline batch
must not be held back by one bad row — the report says exactly what was not imported). A file
that cannot be read at all (not Excel, not text in UTF-8 or GB18030, holding NUL characters) is
refused whole with ``hotline.bad_file`` or ``hotline.bad_encoding`` (422).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field

from django.utils import timezone

from jiewang.core.errors import ApplicationError, ValidationFailed

from ..choices import EventChannel, Urgency
from ..models import MatterCategory
from .intake import event_report

COLUMNS = {
    "number": ("工单编号", "number"),
    "category": ("诉求类别", "category"),
    "title": ("标题", "title"),
    "description": ("诉求内容", "description"),
    "lon": ("经度", "lon"),
    "lat": ("纬度", "lat"),
    "address": ("地址", "address"),
    "name": ("来电人", "name"),
    "phone": ("联系电话", "phone"),
    "due_at": ("办理时限", "due_at"),
    "urgency": ("紧急程度", "urgency"),
}
URGENCY_WORDS = {"一般": Urgency.NORMAL, "紧急": Urgency.URGENT, "特急": Urgency.EMERGENCY}
MAX_ROWS = 20_000


@dataclass
class HotlineReport:
    created: list[str] = field(default_factory=list)  # event numbers
    existing: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"row", "number", "code", "message"}

    def to_dict(self) -> dict:
        return {"created": len(self.created), "existing": len(self.existing), "rejected": len(self.errors),
                "events": self.created, "errors": self.errors}


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else GB18030 (what Excel in China saves)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 and binary files decode to NULs, if at all
            return text
        break
    raise ValidationFailed("无法识别文件编码：须为 UTF-8 或 GB18030 编码的 CSV，或 Excel 文件 / Cannot read the file: "
                           "send a CSV in UTF-8 or GB18030, or an Excel file.", code="hotline.bad_encoding")


def _bad_file() -> ValidationFailed:
    return ValidationFailed("无法读取文件 / Cannot read the file.", code="hotline.bad_file")


def _rows(data: bytes, filename: str) -> list[dict]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            values = list(ws.iter_rows(values_only=True)) if ws is not None else []
        except Exception as exc:  # noqa: BLE001 - any failure to parse an untrusted workbook
            raise ValidationFailed("无法读取 Excel 文件 / Cannot read the Excel file.", code="hotline.bad_file") from exc
        if any(isinstance(c, str) and "\x00" in c for r in values for c in r):
            raise _bad_file()
        header = [str(h or "").strip() for h in values[0]] if values else []
        body = values[1:]
    else:
        try:
            reader = list(csv.reader(io.StringIO(_decode(data))))
        except csv.Error as exc:  # e.g. a field beyond the csv module's size limit
            raise _bad_file() from exc
        header = [h.strip() for h in reader[0]] if reader else []
        body = reader[1:]
    keys = {}
    for i, h in enumerate(header):
        for key, names in COLUMNS.items():
            if h in names:
                keys[i] = key
    missing = {"number", "category", "lon", "lat"} - set(keys.values())
    if missing:
        raise ValidationFailed(f"缺少列 / Missing columns: {sorted(missing)}", code="hotline.missing_columns")
    if len(body) > MAX_ROWS:
        raise ValidationFailed(f"一次最多 {MAX_ROWS} 行 / At most {MAX_ROWS} rows.", code="hotline.too_many_rows")
    return [{keys[i]: v for i, v in enumerate(r) if i in keys} for r in body if any(c not in (None, "") for c in r)]


MAX_LENGTHS = {"number": 64, "address": 200, "name": 64}  # the Event columns


def _check_lengths(*, number: str, row: dict) -> None:
    for key, limit in MAX_LENGTHS.items():
        value = number if key == "number" else str(row.get(key) or "")
        if len(value) > limit:
            raise ValidationFailed(f"{COLUMNS[key][0]}过长（最多 {limit} 字）/ {key} is too long (at most {limit}).",
                                   code="hotline.bad_value")


def _due(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        d = value
    else:
        d = dt.datetime.fromisoformat(str(value).strip().replace("/", "-"))
    if not 2000 <= d.year <= 2100:  # also keeps time zone arithmetic away from year 1 and 9999
        raise ValueError(f"date out of range: {value}")
    return timezone.make_aware(d) if timezone.is_naive(d) else d


def hotline_import(*, actor, data: bytes, filename: str) -> HotlineReport:
    report = HotlineReport()
    categories = {c.code: c for c in MatterCategory.objects.filter(parent__isnull=False, is_active=True)}
    by_name = {c.name: c for c in categories.values()}
    for n, row in enumerate(_rows(data, filename), start=2):
        number = str(row.get("number") or "").strip()
        try:
            if not number:
                raise ValidationFailed("缺少工单编号 / Missing work order number.", code="hotline.missing_number")
            cat = categories.get(str(row.get("category") or "").strip()) or by_name.get(
                str(row.get("category") or "").strip())
            if cat is None:
                raise ValidationFailed("未知诉求类别 / Unknown category.", code="hotline.unknown_category")
            try:
                lon, lat = float(row.get("lon")), float(row.get("lat"))
                due = _due(row.get("due_at"))
            except (TypeError, ValueError, OverflowError) as exc:
                raise ValidationFailed(f"数据格式错误 / Bad value: {exc}", code="hotline.bad_value") from exc
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise ValidationFailed("坐标无效 / Invalid coordinates.", code="hotline.bad_value")
            _check_lengths(number=number, row=row)
            desc = str(row.get("description") or "")
            event, created = event_report(
                actor=actor, channel=EventChannel.HOTLINE, category=cat, lon=lon, lat=lat,
                title=str(row.get("title") or desc[:60] or cat.name), description=desc,
                urgency=URGENCY_WORDS.get(str(row.get("urgency") or "").strip(), Urgency.NORMAL),
                address=str(row.get("address") or ""), reporter_name=str(row.get("name") or ""),
                reporter_phone=str(row.get("phone") or ""), idempotency_key=f"12345:{number}",
                external_number=number, external_due_at=due,
            )
            (report.created if created else report.existing).append(event.number)
        except ApplicationError as exc:
            report.errors.append({"row": n, "number": number, "code": exc.code, "message": exc.message})
    return report
