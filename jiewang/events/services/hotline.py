"""12345 hotline work orders: import a batch (CSV or Excel) through the same intake service.

Each row keeps the hotline's own number (``external_number``) and deadline (``external_due_at``);
the idempotency key ``12345:<number>`` makes a re-imported file create nothing twice. The import
reports row by row: good rows are created, bad rows are listed with their errors (a hotline batch
must not be held back by one bad row — the report says exactly what was not imported).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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


def _rows(data: bytes, filename: str) -> list[dict]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # noqa: BLE001
            raise ValidationFailed("无法读取 Excel 文件 / Cannot read the Excel file.", code="hotline.bad_file") from exc
        values = list(ws.iter_rows(values_only=True))
        header = [str(h or "").strip() for h in values[0]] if values else []
        body = values[1:]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        reader = list(csv.reader(io.StringIO(text)))
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


def _due(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        d = value
    else:
        d = dt.datetime.fromisoformat(str(value).strip().replace("/", "-"))
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
                lon, lat = float(row["lon"]), float(row["lat"])
                due = _due(row.get("due_at"))
            except (TypeError, ValueError) as exc:
                raise ValidationFailed(f"数据格式错误 / Bad value: {exc}", code="hotline.bad_value") from exc
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
