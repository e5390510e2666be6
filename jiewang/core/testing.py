"""Test helpers shared by every app: a small hand-made area tree and one user per role.

The tree (squares, WGS84)::

    渝州市 500000
    ├── 北区 500101 (lon 106.0–106.5)
    │   ├── 一街道 500101001 (lat 29.0–29.5)
    │   │   ├── 甲社区 500101001001 (lon 106.0–106.25) ─ grids …001 (west), …002 (east)
    │   │   └── 乙社区 500101001002 (lon 106.25–106.5) ─ grid …001
    │   └── 二街道 500101002 (lat 29.5–30.0), no communities
    └── 南区 500102 (lon 106.5–107.0)
        └── 三镇 500102001 ─ 丙村 500102001001 ─ grid …001
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shapely.geometry import box, mapping

from jiewang.areas.choices import AreaLevel, GridType


def square(x0, y0, x1, y1) -> dict:
    g = mapping(box(x0, y0, x1, y1))
    return {"type": g["type"], "coordinates": [[list(p) for p in ring] for ring in g["coordinates"]]}


@dataclass
class Tree:
    city: object
    d1: object
    d2: object
    t1: object
    t2: object
    t3: object
    c1: object
    c2: object
    c3: object
    g1: object
    g2: object
    g3: object
    g4: object


def build_tree() -> Tree:
    from jiewang.areas.services import area_create

    def mk(parent, level, code, name, bounds, **kw):
        return area_create(actor=None, parent=parent, level=level, code=code, name=name,
                           geometry=square(*bounds), valid_from=dt.date(2020, 1, 1), **kw)

    city = mk(None, AreaLevel.CITY, "500000", "渝州市", (106.0, 29.0, 107.0, 30.0))
    d1 = mk(city, AreaLevel.DISTRICT, "500101", "北区", (106.0, 29.0, 106.5, 30.0))
    d2 = mk(city, AreaLevel.DISTRICT, "500102", "南区", (106.5, 29.0, 107.0, 30.0))
    t1 = mk(d1, AreaLevel.TOWN, "500101001", "一街道", (106.0, 29.0, 106.5, 29.5))
    t2 = mk(d1, AreaLevel.TOWN, "500101002", "二街道", (106.0, 29.5, 106.5, 30.0))
    t3 = mk(d2, AreaLevel.TOWN, "500102001", "三镇", (106.5, 29.0, 107.0, 30.0))
    c1 = mk(t1, AreaLevel.COMMUNITY, "500101001001", "甲社区", (106.0, 29.0, 106.25, 29.5))
    c2 = mk(t1, AreaLevel.COMMUNITY, "500101001002", "乙社区", (106.25, 29.0, 106.5, 29.5))
    c3 = mk(t3, AreaLevel.COMMUNITY, "500102001001", "丙村", (106.5, 29.0, 107.0, 30.0))
    g1 = mk(c1, AreaLevel.GRID, "500101001001001", "甲社区第1网格", (106.0, 29.0, 106.125, 29.5),
            grid_type=GridType.COMPREHENSIVE, households=400, population=1000)
    g2 = mk(c1, AreaLevel.GRID, "500101001001002", "甲社区第2网格", (106.125, 29.0, 106.25, 29.5),
            grid_type=GridType.SCHOOL, households=10, population=900)
    g3 = mk(c2, AreaLevel.GRID, "500101001002001", "乙社区第1网格", (106.25, 29.0, 106.5, 29.5),
            grid_type=GridType.COMPREHENSIVE, households=350, population=800)
    g4 = mk(c3, AreaLevel.GRID, "500102001001001", "丙村第1网格", (106.5, 29.0, 107.0, 30.0),
            grid_type=GridType.COMPREHENSIVE, households=200, population=500)
    return Tree(city, d1, d2, t1, t2, t3, c1, c2, c3, g1, g2, g3, g4)


@dataclass
class People:
    """One user per role in 北区/一街道/甲社区/第1网格, plus users of the other side of the tree."""

    admin: object
    nobody: object
    grid_worker: object
    community_staff: object
    town_operator: object
    town_leader: object
    department_staff: object
    district_admin: object
    resident: object
    other_community_staff: object
    other_district_admin: object
    department: object
    other_department: object


def build_people(tree: Tree) -> People:
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import Department, RoleGrant, User

    def user(name, phone="13800138000"):
        u = User(username=name, display_name=name, phone=phone)
        u.set_password("pw-" + name + "-2026")
        u.save()
        return u

    def grant(u, role, area, **kw):
        RoleGrant.objects.create(user=u, role=role, area=area, **kw)
        return u

    dept = Department.objects.create(area=tree.d1, name="北区城市管理局")
    other_dept = Department.objects.create(area=tree.d2, name="南区城市管理局")
    admin = User.objects.create_superuser("admin", password="pw-admin-2026")
    return People(
        admin=admin,
        nobody=user("nobody"),
        grid_worker=grant(user("grid_worker"), Role.GRID_WORKER, tree.g1),
        community_staff=grant(user("community_staff"), Role.COMMUNITY_STAFF, tree.c1),
        town_operator=grant(user("town_operator"), Role.TOWN_OPERATOR, tree.t1),
        town_leader=grant(user("town_leader"), Role.TOWN_LEADER, tree.t1),
        department_staff=grant(user("department_staff"), Role.DEPARTMENT_STAFF, tree.d1, department=dept),
        district_admin=grant(user("district_admin"), Role.DISTRICT_ADMIN, tree.d1),
        resident=grant(user("resident", phone="13912345678"), Role.RESIDENT, tree.g1),
        other_community_staff=grant(user("other_community_staff"), Role.COMMUNITY_STAFF, tree.c3),
        other_district_admin=grant(user("other_district_admin"), Role.DISTRICT_ADMIN, tree.d2),
        department=dept,
        other_department=other_dept,
    )


def shared_data(name: str):
    """A file of the team's shared test data: ``../shared/data/`` beside the checkout (where CI
    puts it), else the workplace's ``/work/shared/data/``."""
    from pathlib import Path

    from django.conf import settings

    for base in (Path(settings.BASE_DIR).parent / "shared" / "data", Path("/work/shared/data")):
        if (base / name).exists():
            return base / name
    raise FileNotFoundError(f"shared test data {name!r} not found beside the checkout (../shared/data)")
