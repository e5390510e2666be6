"""Test helpers of base data: a small world in the test tree (jiewang/core/testing.py), valid
fake ID numbers, import workbooks with chosen bad rows, and the fuzz world (tests/test_api_fuzz.py)."""

from __future__ import annotations

import io
import random

from . import idnumber

# Fixed valid ID numbers used across tests.
ID_ZHANG = "11010519491231002X"  # GB 11643's published example
ID_LI = idnumber.fake(random.Random(7), area="500101", gender="female")
ID_WANG = idnumber.fake(random.Random(8), area="500101", gender="male")


def house_at(grid, road="学府路", number="12号", building="3栋", unit="2单元", room="501", use="self_occupied"):
    from .services.places import address_create, house_create

    a = address_create(actor=None, grid=grid, road=road, number=number, building=building, unit=unit, room=room)
    return house_create(actor=None, address=a, use=use, area_m2="89.5")


def resident_in(house, name="张三", id_number=ID_ZHANG, phone="13812345678", kind="registered", relation="head"):
    from .services.residents import resident_create

    return resident_create(actor=None, house=house, name=name, id_number=id_number, phone=phone, kind=kind,
                           relation=relation)


def basedata_world(tree, people, loop=None) -> dict:
    """A house, a resident, a unit and a key person in grid g1 (the grid worker's), for the fuzz run
    and the permission matrix."""
    from .models import KeyGroup
    from .services.residents import key_person_add
    from .services.units import unit_create

    house = house_at(tree.g1)
    r = resident_in(house)
    unit = unit_create(actor=None, address=house.address, name="便民超市", contact_phone="13900001111")
    kp = key_person_add(actor=None, resident=r, group=KeyGroup.objects.get(code="elderly_alone"))
    from .services.importing import import_residents

    from .services.places import address_create

    free = address_create(actor=None, grid=tree.g1, road="学府路", number="7号")
    run = import_residents(actor=None, area=tree.g1, data=workbook([row(ID_LI, name="李四"), row("123")]),
                           mode="partial")
    return {"house_id": house.pk, "resident_id": r.pk, "unit_id": unit.pk, "key_person_id": kp.pk,
            "address_id": house.address_id, "run_id": run.pk,
            "free_address_id": free.pk}


def row(id_number, *, name="居民", kind="户籍", road="学府路", number="12号", building="3栋", unit="2单元",
        room="501", grid_code="", phone="13812345678", relation="户主", gender="", use="") -> dict:
    return {"姓名": name, "身份证号": id_number, "性别": gender, "手机号": phone, "人口类型": kind,
            "与户主关系": relation, "网格编码": grid_code, "街路巷": road, "门牌号": number, "楼栋": building,
            "单元": unit, "室": room, "房屋用途": use}


def workbook(rows: list[dict]) -> bytes:
    """An import file in the template's layout holding ``rows`` (dicts by header)."""
    from openpyxl import Workbook

    from .services.importing import COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    headers = [h for h, _k, _r in COLUMNS]
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h, "") for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def many_rows(n: int, *, seed: int = 1, grid_code: str = "", households: int = 3) -> list[dict]:
    """``n`` good rows with distinct valid ID numbers, ``households`` people per room."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows = []
    while len(rows) < n:
        number = idnumber.fake(rng)
        if number in seen:
            continue
        seen.add(number)
        i = len(rows)
        h = i // households
        rows.append(row(number, name=f"居民{i}", grid_code=grid_code, building=f"{h // 200 + 1}栋",
                        unit=f"{h // 40 % 5 + 1}单元", room=f"{h % 40 + 101}",
                        relation="户主" if i % households == 0 else "子女",
                        kind=("户籍", "流动")[i % 7 == 0], phone=f"139{rng.randrange(10**8):08d}"))
    return rows


def spoil(rows: list[dict], every: int, count: int) -> dict[int, str]:
    """Make ``count`` rows bad (every ``every``-th, in turn: wrong check digit, bad birth date,
    missing name, unknown type, duplicate of the first row); → {Excel row number: column}."""
    bad = {}
    for k in range(count):
        i = 1 + k * every
        r = rows[i]
        match k % 5:
            case 0:
                last = r["身份证号"][-1]
                r["身份证号"] = r["身份证号"][:-1] + ("0" if last != "0" else "1")
                bad[i + 2] = "身份证号"
            case 1:
                r["身份证号"] = r["身份证号"][:10] + "1332" + r["身份证号"][14:]
                bad[i + 2] = "身份证号"
            case 2:
                r["姓名"] = ""
                bad[i + 2] = "姓名"
            case 3:
                r["人口类型"] = "外星"
                bad[i + 2] = "人口类型"
            case 4:
                r["身份证号"] = rows[0]["身份证号"]
                bad[i + 2] = "身份证号"
    return bad


def ensure_key_groups() -> None:
    """The key groups of migration 0002 (transactional tests flush migration-created rows)."""
    import importlib

    from .models import KeyGroup

    seed = importlib.import_module("jiewang.basedata.migrations.0002_seed_key_groups")
    for order, (code, name, name_en, risk, days, sensitive) in enumerate(seed.KEY_GROUPS, start=1):
        KeyGroup.objects.update_or_create(code=code, defaults=dict(
            name=name, name_en=name_en, default_risk=risk, visit_days=days, sensitive=sensitive, order=order))
