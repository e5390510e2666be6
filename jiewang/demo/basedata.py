"""The demo city's base data (一标三实): the demo community's grids filled with standard addresses,
buildings, houses, ~200 households per comprehensive grid, their residents (valid-checksum fake ID
numbers, encrypted like real ones), units and shops, and key persons — so that the base-data
pages, the counts report, and the patrols' visits have something to show on first start.

Written in bulk (like the rest of the seed): ``seed_basedata`` inside the seed's transaction, one
``demo.basedata`` audit row recording what was written and when. A ``--force`` reseed replaces it
only when it is untouched since (:func:`untouched_reasons`), and deletes it with
:func:`delete_basedata`.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.utils import timezone

from jiewang.areas.choices import AreaLevel, GridType
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.basedata import idnumber
from jiewang.basedata.models import Address, Building, House, ImportRun, KeyGroup, KeyPerson, Resident, Unit
from jiewang.basedata.services.units import CREDIT_CHARS, CREDIT_WEIGHTS
from jiewang.core.crypto import mask_phone

HOUSEHOLDS_PER_GRID = 200
ROADS = ["学府路", "金港大道", "滨江路", "和平街", "建设路", "桂花巷", "龙湖路", "兴隆街", "松林路", "嘉陵路"]
SHOPS = ["便民超市", "早餐店", "水果店", "理发店", "药房", "五金店", "面馆", "快递驿站", "洗衣店", "茶馆",
         "社区诊所", "菜鸟驿站", "文具店", "火锅店", "修车铺"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢唐许冯宋韩邓彭曹曾田"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅玉兵春燕志辉晓琳婷鹏飞宇浩然欣怡俊佳颖思雨"
DEDICATED_KINDS = {GridType.SCHOOL: "school", GridType.HOSPITAL: "medical", GridType.ENTERPRISE: "enterprise",
                   GridType.ELDERLY_HOME: "social_org"}
MODELS = (KeyPerson, Resident, Unit, House, Address, Building)


def _name(rng: random.Random, surname: str | None = None) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _credit_code(rng: random.Random) -> str:
    body = "91" + "500103" + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT_CHARS[(31 - total % 31) % 31]


def _birth(rng: random.Random, today: dt.date, age_lo: int, age_hi: int) -> dt.date:
    return today - dt.timedelta(days=rng.randrange(age_lo * 365 + 1, age_hi * 365 + 200))


class _Ids:
    """Distinct valid ID numbers."""

    def __init__(self, rng):
        self.rng, self.seen = rng, set()

    def make(self, birth: dt.date, gender: str) -> str:
        while True:
            n = idnumber.fake(self.rng, area=self.rng.choice(["500103", "500105", "500112", "510104", "420106"]),
                              birth=birth, gender=gender)
            if n not in self.seen:
                self.seen.add(n)
                return n


def _point(rng, grid: Area) -> tuple[float | None, float | None]:
    if grid.min_lon is None:
        return None, None
    from shapely.geometry import Point, shape

    poly = shape(grid.geometry)
    for _ in range(30):
        lon = rng.uniform(grid.min_lon, grid.max_lon)
        lat = rng.uniform(grid.min_lat, grid.max_lat)
        if poly.contains(Point(lon, lat)):
            return round(lon, 7), round(lat, 7)
    c = poly.representative_point()
    return round(c.x, 7), round(c.y, 7)


def seed_basedata(*, community: Area, seed: int = 1, households: int = HOUSEHOLDS_PER_GRID) -> dict[str, int]:
    """Fill the comprehensive grids of ``community`` (a dedicated grid gets its unit only)."""
    rng = random.Random(seed * 7919 + community.pk)
    ids = _Ids(rng)
    today = timezone.localdate()
    now = timezone.now()
    groups = {g.code: g for g in KeyGroup.objects.all()}
    grids = list(Area.objects.filter(parent=community, level=AreaLevel.GRID).order_by("code"))
    counts = dict.fromkeys(["buildings", "addresses", "houses", "residents", "units", "key persons"], 0)
    for gi, grid in enumerate(grids):
        placed = {"grid": grid, "area_path": grid.path, "created_at": now, "updated_at": now}
        roads = [ROADS[(gi * 2) % len(ROADS)], ROADS[(gi * 2 + 1) % len(ROADS)]]
        # buildings: 6 floors × 2 units × 2 rooms = 24 homes each; shops on the street numbers
        n_homes = households + households // 8 if grid.grid_type == GridType.COMPREHENSIVE else 0
        n_buildings = (n_homes + 23) // 24
        buildings = []
        for b in range(n_buildings):
            lon, lat = _point(rng, grid)
            buildings.append(Building(road=roads[b % 2], number=f"{(b // 2) * 2 + 1 + gi * 100}号", name=f"{b + 1}栋",
                                      lon=lon, lat=lat, **placed))
        street = []
        for s in range(12 if n_homes else 1):
            lon, lat = _point(rng, grid)
            street.append(Building(road=roads[s % 2], number=f"{s * 2 + 2 + gi * 100}号", name="", lon=lon, lat=lat,
                                   **placed))
        Building.objects.bulk_create(buildings + street)
        if any(b.pk is None for b in buildings + street):
            got = {(b.road, b.number, b.name): b for b in Building.objects.filter(grid=grid)}
            buildings = [got[(b.road, b.number, b.name)] for b in buildings]
            street = [got[(b.road, b.number, b.name)] for b in street]
        addresses = []
        for b in buildings:
            for floor in range(1, 7):
                for unit in (1, 2):
                    for room in (1, 2):
                        if len(addresses) < n_homes:
                            parts = (b.road, b.number, b.name, f"{unit}单元", f"{floor}0{room}")
                            addresses.append(Address(building_id=b.pk, road=b.road, number=b.number,
                                                     building_name=b.name, unit=parts[3], room=parts[4],
                                                     text=Address.compose(*parts), lon=b.lon, lat=b.lat, **placed))
        shop_addresses = [Address(building_id=b.pk, road=b.road, number=b.number, text=Address.compose(b.road, b.number),
                                  lon=b.lon, lat=b.lat, **placed) for b in street]
        Address.objects.bulk_create(addresses + shop_addresses)
        if any(a.pk is None for a in addresses + shop_addresses):
            got = {a.text: a for a in Address.objects.filter(grid=grid)}
            addresses = [got[a.text] for a in addresses]
            shop_addresses = [got[a.text] for a in shop_addresses]
        # houses: the first `households` are lived in (a share rented), the rest vacant; shops commercial
        houses = []
        for i, a in enumerate(addresses):
            use = "vacant" if i >= households else ("rented" if rng.random() < 0.18 else "self_occupied")
            houses.append(House(address_id=a.pk, use=use, area_m2=rng.choice([48, 62, 75, 89, 96, 110, 128]),
                                owner_name=_name(rng), **placed))
        houses += [House(address_id=a.pk, use="commercial", area_m2=rng.choice([30, 45, 60, 120]), **placed)
                   for a in shop_addresses]
        House.objects.bulk_create(houses)
        if any(h.pk is None for h in houses):
            got = {h.address_id: h for h in House.objects.filter(grid=grid)}
            houses = [got[h.address_id] for h in houses]
        residents, key_plan = _households(rng, ids, today, houses[:min(households, n_homes)], placed)
        Resident.objects.bulk_create(residents, batch_size=1000)
        if any(r.pk is None for r in residents):
            got = {r.id_index: r for r in Resident.objects.filter(grid=grid)}
            residents = [got[r.id_index] for r in residents]
        key_persons = []
        for idx, code in key_plan:
            g = groups.get(code)
            if g is None:
                continue
            r = residents[idx]
            last = now - dt.timedelta(days=rng.randrange(0, g.visit_days * 2)) if rng.random() < 0.9 else None
            days = rng.randrange(30, 1500)
            # one in ten was never visited: newly registered (3–59 days ago), awaiting the first visit
            since = today - dt.timedelta(days=days if last is not None else 3 + days % 57)
            key_persons.append(KeyPerson(resident_id=r.pk, group=g, risk=g.default_risk, visit_days=g.visit_days,
                                         since=since, last_visited_at=last, **placed))
        KeyPerson.objects.bulk_create(key_persons)
        units = []
        for k, a in enumerate(shop_addresses):
            phone = _phone(rng)
            name = SHOPS[(k + gi) % len(SHOPS)] if n_homes else grid.name.replace("专属网格", "")
            kind = "shop" if n_homes else DEDICATED_KINDS.get(grid.grid_type, "other")
            units.append(Unit(address_id=a.pk, name=name, kind=kind, credit_code=_credit_code(rng),
                              contact_name=_name(rng), contact_phone=phone, contact_phone_masked=mask_phone(phone),
                              **placed))
        Unit.objects.bulk_create(units)
        for key, n in (("buildings", len(buildings) + len(street)), ("addresses", len(addresses) + len(shop_addresses)),
                       ("houses", len(houses)), ("residents", len(residents)), ("units", len(units)),
                       ("key persons", len(key_persons))):
            counts[key] += n
    audit_record(actor=None, action="demo.basedata", obj=community,
                 data={"counts": counts, "at": now.isoformat(),
                       "rows": {m._meta.label_lower: m.objects.count() for m in MODELS}})
    return counts


def _households(rng, ids: _Ids, today, houses, placed):
    """Residents of the lived-in houses, and (resident index, key group) pairs."""
    residents: list[Resident] = []
    key_plan: list[tuple[int, str]] = []

    def add(house, name, age_lo, age_hi, gender, relation, kind):
        birth = _birth(rng, today, age_lo, age_hi)
        if kind == "overseas":
            number = f"E{rng.randrange(10**8):08d}"
        else:
            number = ids.make(birth, gender)
        phone = _phone(rng) if age_lo >= 16 and rng.random() < 0.9 else ""
        residents.append(Resident(house_id=house.pk, name=name, gender=gender, birth_date=birth, id_number=number,
                                  id_masked=idnumber.mask(number), phone=phone, phone_masked=mask_phone(phone),
                                  kind=kind, relation=relation, **placed))
        return len(residents) - 1

    for house in houses:
        surname = rng.choice(SURNAMES)
        kind = "floating" if house.use == "rented" else ("overseas" if rng.random() < 0.01 else "registered")
        shape = rng.random()
        if shape < 0.12:  # an elderly person living alone
            g = rng.choice(["male", "female"])
            i = add(house, _name(rng, surname), 70, 92, g, "head", "registered")
            key_plan.append((i, "elderly_alone"))
            continue
        g = rng.choice(["male", "female"])
        head = add(house, _name(rng, surname), 30, 68, g, "head", kind)
        if shape < 0.85:
            add(house, _name(rng), 28, 66, "female" if g == "male" else "male", "spouse", kind)
        children = [add(house, _name(rng, surname), 1, 17, rng.choice(["male", "female"]), "child", kind)
                    for _ in range(rng.choice([0, 1, 1, 2]))]
        if rng.random() < 0.2:
            add(house, _name(rng, surname), 65, 88, rng.choice(["male", "female"]), "parent", kind)
        roll = rng.random()
        if roll < 0.02:
            key_plan.append((head, "low_income"))
        elif roll < 0.035:
            key_plan.append((head, "disabled"))
        elif roll < 0.040:
            key_plan.append((head, "released"))
        elif roll < 0.043:
            key_plan.append((head, "community_correction"))
        elif roll < 0.047:
            key_plan.append((head, "mental_illness"))
        elif roll < 0.049:
            key_plan.append((head, "drug_user"))
        if children and shape > 0.8 and rng.random() < 0.3:
            key_plan.append((children[0], "left_behind_child"))
    return residents, key_plan


def untouched_reasons() -> list[str]:
    """Why the base data in the database is not just the demo's as seeded (empty: it is)."""
    from jiewang.audit.models import AuditEntry

    if not any(m.objects.exists() for m in MODELS) and not ImportRun.objects.exists():
        return []
    entry = AuditEntry.objects.filter(action="demo.basedata").order_by("-id").first()
    if entry is None:
        return ["base data that is not the demo's"]
    reasons = []
    rows = entry.data.get("rows", {})
    if any(m.objects.count() != rows.get(m._meta.label_lower, -1) for m in MODELS) or ImportRun.objects.exists():
        reasons.append("base data other than the demo's")
    at = dt.datetime.fromisoformat(entry.data["at"])
    if any(m.objects.filter(updated_at__gt=at).exists() for m in MODELS):
        reasons.append("edits to the demo's base data since it was seeded")
    return reasons


def delete_basedata() -> None:
    """The demo's base data (checked to be nothing else by :func:`untouched_reasons`)."""
    for model in MODELS:
        model.objects.all()._raw_delete(connection.alias)
