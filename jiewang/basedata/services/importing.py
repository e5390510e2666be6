"""Excel import of residents (实有人口导入).

The template (:func:`template_workbook`) has one sheet of Chinese headers (``COLUMNS``) and a
second sheet explaining the values. An import is started on an area the actor may write: a grid,
or a community/town whose grids the rows name by code (网格编码).

Every row is validated before anything is written: name, type, the ID number (GB 11643 checksum
and birth date; overseas residents may give a travel document number or none), gender and birth
date when there is no ID number, the phone, the relation, the grid, the address. An ID number
twice in the file is an error on the later row; one held by an active resident already in the
database (any area: found by the blind index) is an error too.

* Default, all-or-nothing: any bad row → nothing is written; the :class:`ImportRun` keeps the
  row-by-row report (Excel row number, column, reason), downloadable as Excel.
* ``mode="partial"``: the good rows are imported, the bad ones reported.
* Unknown address → created (building, address, house) in the row's grid, the house with the
  row's use (自住 by default) — the import is how a grid's data is first collected. With
  ``create_places=False`` a row naming an unknown address is refused instead.
* Limits (``BASEDATA_IMPORT_MAX_BYTES``, ``BASEDATA_IMPORT_MAX_ROWS``; 10 MB and 20,000 rows by
  default): a larger upload is refused with a 413 ``basedata.import_too_large`` before any row is read.

Rows are inserted in bulk (buildings, addresses, houses, then residents in batches), encrypted on
the way in, in one transaction; one audit row records the import.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiewang.areas.choices import GRID_LEVELS
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.crypto import blind_index, mask_phone
from jiewang.core import fastsql
from jiewang.core.errors import Conflict, PayloadTooLarge, ValidationFailed

from .. import idnumber, xlsx
from ..choices import HouseUse, ImportMode, Relation, ResidentType
from ..models import Address, Building, House, ImportRun, Resident
from .common import PHONE_RE, ensure_writer

# (header, key, required)
COLUMNS = [
    ("姓名", "name", True),
    ("身份证号", "id_number", False),
    ("性别", "gender", False),
    ("出生日期", "birth_date", False),
    ("手机号", "phone", False),
    ("人口类型", "kind", True),
    ("与户主关系", "relation", False),
    ("网格编码", "grid_code", False),
    ("街路巷", "road", True),
    ("门牌号", "number", True),
    ("楼栋", "building", False),
    ("单元", "unit", False),
    ("室", "room", False),
    ("房屋用途", "use", False),
    ("备注", "note", False),
]
HEADER_OF = {key: header for header, key, _req in COLUMNS}

KINDS = {"户籍": ResidentType.REGISTERED, "户籍人口": ResidentType.REGISTERED, "流动": ResidentType.FLOATING,
         "流动人口": ResidentType.FLOATING, "境外": ResidentType.OVERSEAS, "境外人员": ResidentType.OVERSEAS,
         **{v: v for v in ResidentType.values}}
GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female"}
RELATIONS = {"户主": Relation.HEAD, "配偶": Relation.SPOUSE, "子女": Relation.CHILD, "子": Relation.CHILD,
             "女": Relation.CHILD, "父母": Relation.PARENT, "父亲": Relation.PARENT, "母亲": Relation.PARENT,
             "孙子女": Relation.GRANDCHILD, "兄弟姐妹": Relation.SIBLING, "租户": Relation.TENANT,
             "其他": Relation.OTHER, **{v: v for v in Relation.values}}
USES = {"自住": HouseUse.SELF_OCCUPIED, "出租": HouseUse.RENTED, "空置": HouseUse.VACANT, "商用": HouseUse.COMMERCIAL,
        **{v: v for v in HouseUse.values}}
LIMITS = {"name": 50, "road": 60, "number": 20, "building": 30, "unit": 20, "room": 20, "note": 200}


def max_bytes() -> int:
    return int(getattr(settings, "BASEDATA_IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "BASEDATA_IMPORT_MAX_ROWS", 20_000))


def template_workbook() -> bytes:
    """The import template: the headers, and a sheet explaining each column's values."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "居民"
    ws.append([h for h, _k, _r in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, (header, _k, _r) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, len(header) * 3)
    help_ws = wb.create_sheet("说明")
    help_ws.append(["列", "必填", "说明"])
    notes = {
        "id_number": "18位居民身份证号（GB 11643，校验码）；户籍、流动人口必填，境外人员可填证件号或留空",
        "gender": "男/女；有身份证号时以身份证号为准",
        "birth_date": "YYYY-MM-DD；有身份证号时以身份证号为准",
        "kind": "户籍 / 流动 / 境外",
        "relation": "户主 / 配偶 / 子女 / 父母 / 孙子女 / 兄弟姐妹 / 租户 / 其他（空=其他）",
        "grid_code": "15位网格编码；在网格页面导入时可留空",
        "use": "自住 / 出租 / 空置 / 商用（新建房屋时使用，空=自住）",
        "road": "地址不存在时按 街路巷+门牌号+楼栋+单元+室 新建",
    }
    for header, key, required in COLUMNS:
        help_ws.append([header, "是" if required else "", notes.get(key, "")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_report_workbook(run: ImportRun) -> bytes:
    """The row-by-row error report of an import: row number, column, reason."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误报告")
    ws.append(["行号", "字段", "原因"])
    for row, column, reason in run.errors:
        ws.append([row, column, reason])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Row:
    number: int  # the Excel row number
    values: dict
    errors: list = field(default_factory=list)
    grid: Area | None = None
    id_number: str = ""
    info: object = None
    index: str = ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read(data: bytes):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any unreadable upload: zip, xml, openpyxl's own errors
        raise ValidationFailed("无法读取Excel文件 / The file is not a readable .xlsx workbook.",
                               code="basedata.import_bad_file", fields={"file": "not an .xlsx workbook"}) from None
    return wb, wb.worksheets[0]


def _headers(first_row) -> dict[str, int]:
    position = {}
    known = {h: k for h, k, _r in COLUMNS}
    for i, value in enumerate(first_row):
        key = known.get(_text(value))
        if key and key not in position:
            position[key] = i
    missing = [h for h, k, required in COLUMNS if required and k not in position]
    if missing:
        raise ValidationFailed("模板列缺失 / Columns missing from the file: " + "、".join(missing),
                               code="basedata.import_bad_headers", fields={"file": "missing " + ",".join(missing)})
    return position


class _Checker:
    """Validates one row at a time, with the import's grids at hand."""

    def __init__(self, area: Area):
        self.area = area
        self.default_grid = area if area.level in GRID_LEVELS else None
        grids = Area.objects.current().grids().filter(path__startswith=area.path)
        self.grids = {g.code: g for g in grids}
        self.today = timezone.localdate()

    def check(self, row: Row) -> None:
        v, err = row.values, row.errors

        def bad(key, reason):
            err.append((HEADER_OF[key], reason))

        for key, limit in LIMITS.items():
            if len(v.get(key, "")) > limit:
                bad(key, f"超过{limit}字 / Longer than {limit} characters.")
        if not v.get("name"):
            bad("name", "必填 / Required.")
        kind = KINDS.get(v.get("kind", ""))
        if kind is None:
            bad("kind", "应为 户籍/流动/境外 / One of 户籍, 流动, 境外.")
        v["kind"] = kind
        number = idnumber.normalize(v.get("id_number", ""))
        if kind == ResidentType.OVERSEAS:
            if number and not (5 <= len(number) <= 30 and number.isalnum()):
                bad("id_number", "证件号码无效 / Invalid document number.")
            elif len(number) == 18 and idnumber.is_valid(number):
                row.info = idnumber.parse(number, today=self.today)
        elif kind is not None:
            if not number:
                bad("id_number", "必填 / Required.")
            else:
                try:
                    row.info = idnumber.parse(number, today=self.today)
                except idnumber.InvalidIdNumber as exc:
                    bad("id_number", exc.reason)
        row.id_number = number
        if row.info is None:
            if v.get("gender") and v["gender"] not in GENDERS:
                bad("gender", "应为 男/女 / One of 男, 女.")
            elif not v.get("gender") and not row.errors:
                bad("gender", "无身份证号时必填 / Required without an ID number.")
            birth = v.get("_birth_raw")
            if isinstance(birth, (int, float)) and not isinstance(birth, bool):
                v["birth_date"] = xlsx.serial_to_date(birth)
                if v["birth_date"] is None:
                    bad("birth_date", "日期无效 / Invalid date.")
            elif isinstance(birth, dt.datetime):
                v["birth_date"] = birth.date()
            elif isinstance(birth, dt.date):
                v["birth_date"] = birth
            elif v.get("birth_date"):
                try:
                    v["birth_date"] = dt.date.fromisoformat(v["birth_date"][:10])
                except ValueError:
                    bad("birth_date", "日期格式应为 YYYY-MM-DD / Use YYYY-MM-DD.")
        phone = v.get("phone", "").replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            bad("phone", "电话号码无效 / Invalid phone number.")
        v["phone"] = phone
        relation = v.get("relation", "")
        if relation and relation not in RELATIONS:
            bad("relation", "与户主关系无效 / Unknown relation.")
        use = v.get("use", "")
        if use and use not in USES:
            bad("use", "应为 自住/出租/空置/商用 / One of 自住, 出租, 空置, 商用.")
        code = v.get("grid_code", "")
        if code:
            row.grid = self.grids.get(code)
            if row.grid is None:
                bad("grid_code", "网格编码不在导入范围内 / No such grid in the area imported into.")
        elif self.default_grid is not None:
            row.grid = self.default_grid
        else:
            bad("grid_code", "必填（导入到社区或以上时） / Required when importing into a community or above.")
        for key in ("road", "number"):
            if not v.get(key):
                bad(key, "必填 / Required.")


def _raise_too_large(what: str):
    raise PayloadTooLarge(f"文件过大：{what} / The upload is too large: {what}.", code="basedata.import_too_large",
                          fields={"file": what})


def parse_rows(data: bytes, area: Area) -> list[Row]:
    """The data rows of the file (its first sheet: the fast reader, else openpyxl), refused
    beyond the size and row limits."""
    if len(data) > max_bytes():
        _raise_too_large(f"> {max_bytes() // (1024 * 1024)} MB")
    try:
        return _parse(xlsx.read_rows(data))
    except xlsx.UnreadableWorkbook:
        pass
    wb, ws = _read(data)
    try:
        return _parse(enumerate(ws.iter_rows(values_only=True), start=1))
    finally:
        wb.close()


def _parse(sheet) -> list[Row]:
    first = next(sheet, None)
    if first is None:
        raise ValidationFailed("文件为空 / The file is empty.", code="basedata.import_empty", fields={"file": "empty"})
    position = _headers(first[1])
    limit = max_rows()
    rows: list[Row] = []
    items = list(position.items())
    birth_col = position.get("birth_date")
    for number, values in sheet:
        if not values or all(c is None or (isinstance(c, str) and not c.strip()) for c in values):
            continue
        if len(rows) >= limit:
            _raise_too_large(f"> {limit} 行 rows")
        n = len(values)
        v = {key: _text(values[i]) if i < n else "" for key, i in items}
        if birth_col is not None and birth_col < n:
            v["_birth_raw"] = values[birth_col]
        rows.append(Row(number, v))
    if not rows:
        raise ValidationFailed("文件没有数据行 / The file has no data rows.", code="basedata.import_empty",
                               fields={"file": "no rows"})
    return rows


def validate(rows: list[Row], area: Area) -> None:
    checker = _Checker(area)
    seen: dict[str, int] = {}
    for row in rows:
        checker.check(row)
        if row.id_number and not any(h == HEADER_OF["id_number"] for h, _r in row.errors):
            row.index = blind_index(row.id_number)
            first = seen.get(row.index)
            if first is not None:
                row.errors.append((HEADER_OF["id_number"], f"与第{first}行重复 / Duplicate of row {first}."))
            else:
                seen[row.index] = row.number
    # ID numbers held by active residents already (anywhere: one active resident per ID number)
    indexes = [r.index for r in rows if r.index]
    taken: set[str] = set()
    for i in range(0, len(indexes), 500):
        taken.update(Resident.objects.filter(id_index__in=indexes[i:i + 500], is_active=True)
                     .values_list("id_index", flat=True))
    for row in rows:
        if row.index in taken:
            row.errors.append((HEADER_OF["id_number"], "该身份证号已登记 / Already registered."))


def _places(rows: list[Row], area: Area, *, create: bool) -> dict[tuple, int]:
    """(grid id, address text) → house id for every good row, creating what is missing (or
    marking the row bad when ``create`` is off). Inserted in bulk, ids read back by their keys."""
    def houses_by_key():
        return {(g, t): h for g, t, h in House.objects.filter(area_path__startswith=area.path)
                .values_list("grid_id", "address__text", "id")}

    def addresses_by_key():
        return {(g, t): a for g, t, a in Address.objects.filter(area_path__startswith=area.path)
                .values_list("grid_id", "text", "id")}

    houses = houses_by_key()
    missing: dict[tuple, Row] = {}
    for row in rows:
        if row.errors:
            continue
        v = row.values
        row.values["_key"] = key = (row.grid.pk, Address.compose(v["road"], v["number"], v.get("building", ""),
                                                                 v.get("unit", ""), v.get("room", "")))
        if key not in houses and key not in missing:
            if not create:
                row.errors.append((HEADER_OF["road"], "地址或房屋不存在 / Unknown address or house."))
                continue
            missing[key] = row
    if not missing:
        return houses
    now = timezone.now()
    # buildings
    bkeys = {(r.grid.pk, r.values["road"], r.values["number"], r.values.get("building", "")): r
             for r in missing.values()}

    def buildings_by_key():
        return {(b.grid_id, b.road, b.number, b.name): b.pk
                for b in Building.objects.filter(grid_id__in={k[0] for k in bkeys}).only("grid_id", "road", "number",
                                                                                          "name")}

    buildings = buildings_by_key()
    fastsql.insert_many([Building(grid=r.grid, area_path=r.grid.path, road=k[1], number=k[2], name=k[3],
                                  created_at=now, updated_at=now) for k, r in bkeys.items() if k not in buildings])
    buildings = buildings_by_key()
    # addresses
    known_addresses = addresses_by_key()
    new_a = []
    for key, r in missing.items():
        if key in known_addresses:
            continue
        v = r.values
        new_a.append(Address(grid=r.grid, area_path=r.grid.path, road=v["road"], number=v["number"],
                             building_name=v.get("building", ""), unit=v.get("unit", ""), room=v.get("room", ""),
                             text=key[1], created_at=now, updated_at=now,
                             building_id=buildings[(r.grid.pk, v["road"], v["number"], v.get("building", ""))]))
    fastsql.insert_many(new_a)
    known_addresses = addresses_by_key()
    fastsql.insert_many([House(grid=r.grid, area_path=r.grid.path, address_id=known_addresses[key],
                               use=USES.get(r.values.get("use", ""), HouseUse.SELF_OCCUPIED), created_at=now,
                               updated_at=now) for key, r in missing.items()])
    return houses_by_key()


def _resident(row: Row, house_id: int, now) -> Resident:
    v, info = row.values, row.info
    return Resident(
        grid=row.grid, area_path=row.grid.path, house_id=house_id, name=v["name"], kind=v["kind"],
        relation=RELATIONS.get(v.get("relation", ""), Relation.OTHER), note=v.get("note", ""),
        gender=info.gender if info else GENDERS[v["gender"]],
        birth_date=info.birth_date if info else (v.get("birth_date") or None),
        id_number=row.id_number, id_index=row.index, id_masked=idnumber.mask(row.id_number),
        phone=v["phone"], phone_masked=mask_phone(v["phone"]), created_at=now, updated_at=now)


def import_residents(*, actor, area: Area, data: bytes, filename: str = "", mode: str = ImportMode.ALL_OR_NOTHING,
                     create_places: bool = True) -> ImportRun:
    """Import the residents of an .xlsx file into ``area`` (see the module's rules)."""
    if mode not in ImportMode.values:
        raise ValidationFailed("导入模式无效 / Invalid mode.", code="validation_failed", fields={"mode": "invalid"})
    ensure_writer(actor, area.path)
    rows = parse_rows(data, area)
    validate(rows, area)
    with transaction.atomic():
        houses = _places(rows, area, create=create_places) if (
            mode == ImportMode.PARTIAL or not any(r.errors for r in rows)) else {}
        bad = [r for r in rows if r.errors]
        good = [] if (bad and mode == ImportMode.ALL_OR_NOTHING) else [r for r in rows if not r.errors]
        now = timezone.now()
        try:
            with transaction.atomic():
                fastsql.insert_many([_resident(r, houses[r.values["_key"]], now) for r in good])
        except IntegrityError:  # an ID number registered meanwhile by someone else
            raise Conflict("导入期间有重复身份证号登记，请重试 / An ID number was registered meanwhile; retry.",
                           code="basedata.duplicate_id") from None
        errors = [[r.number, column, reason] for r in bad for column, reason in r.errors]
        run = ImportRun.objects.create(actor=actor if getattr(actor, "pk", None) else None, area=area,
                                       area_path=area.path, filename=(filename or "")[:200], mode=mode,
                                       rows=len(rows), imported=len(good), errors=errors)
        audit_record(actor=actor, action="resident.import", obj=run,
                     data={"area": area.pk, "mode": mode, "rows": len(rows), "imported": len(good),
                           "bad_rows": len(bad)})
    return run
