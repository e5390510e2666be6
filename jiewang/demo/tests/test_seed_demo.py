"""The demo city generator and ``manage.py seed_demo``."""

from __future__ import annotations

import itertools
import os
import re
from io import StringIO

import numpy as np
import pytest

from jiewang.accounts.board_seed import TOWN_POSTS
from jiewang.events.catalog_data import DISTRICT_DEPARTMENTS
import shapely
from shapely.geometry import box
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from jiewang.accounts.models import Board, Department, Post, RoleGrant, User
from jiewang.areas.choices import AreaLevel, GridType
from jiewang.areas.geometry import geometry_from_geojson
from jiewang.areas.models import Area, AreaBoundary, BoundaryRevision
from jiewang.audit.models import AuditEntry
from jiewang.demo import names
from jiewang.demo.citygen import SCALES, _tessellate, apportion, generate_city
from jiewang.demo.seeding import DEMO_PASSWORD, DEMO_USERS, demo_logins, seed_demo

SMALL_COUNTS = {1: 1, 2: 2, 3: 4, 4: 12, 5: 60}
CITY_COUNTS = {1: 1, 2: 38, 3: 1031, 4: 11000, 5: 62000}
CODE_LENGTH = {1: 6, 2: 6, 3: 9, 4: 12, 5: 15}
POSTS_PER_TOWN = sum(len(posts) for posts in TOWN_POSTS.values())


@pytest.fixture(scope="module")
def small_plan():
    return generate_city("small", 7)


def _identity(plan):
    return [(n.level, n.code, n.name, n.parent_code, n.households, n.population, n.grid_type)
            for n in plan.nodes]


# --- The generator (no database) --------------------------------------------------------------


def test_small_counts_are_exact_and_the_same_seed_gives_the_same_city():
    a, b, other = generate_city("small", 7), generate_city("small", 7), generate_city("small", 8)
    assert a.counts() == b.counts() == other.counts() == SMALL_COUNTS
    assert _identity(a) == _identity(b)
    assert all(x.geometry.equals_exact(y.geometry, 0) for x, y in zip(a.nodes, b.nodes, strict=False))
    # Another seed: other names and other boundaries (codes of the upper levels are structural).
    assert [n.name for n in a.nodes] != [n.name for n in other.nodes]
    assert not all(x.geometry.equals_exact(y.geometry, 1e-9)
                   for x, y in zip(a.nodes[1:], other.nodes[1:], strict=False))


def test_every_child_is_one_level_below_its_parent_with_a_well_formed_code(small_plan):
    nodes = small_plan.nodes
    root = small_plan.root
    assert (root.level, root.code, root.name, root.parent) == (1, "500000", "渝州市", -1)
    for n in nodes:
        assert re.fullmatch(r"\d+", n.code) and len(n.code) == CODE_LENGTH[n.level], n.code
        if n.parent >= 0:
            p = nodes[n.parent]
            assert p.index < n.index  # parent before child
            assert n.level == p.level + 1
            assert n.parent_code == p.code and n.code.startswith(p.code if p.level > 1 else "50")
            assert n.index in p.children
    for p in nodes:
        kids = [nodes[i] for i in p.children]
        assert len({k.code for k in kids}) == len(kids)
        assert len({k.name for k in kids}) == len(kids)
        if kids:
            assert p.households == sum(k.households for k in kids)
            assert p.population == sum(k.population for k in kids)
    assert [n.code for n in small_plan.level(AreaLevel.DISTRICT)] == ["500101", "500221"]
    assert [n.name[-1] for n in small_plan.level(AreaLevel.DISTRICT)] == ["区", "县"]
    assert all(n.grid_type == "" for n in nodes if n.level != AreaLevel.GRID)
    assert all(n.grid_type in GridType.values for n in small_plan.level(AreaLevel.GRID))


def test_grids_are_numbered_from_001_and_named_after_their_number(small_plan):
    for c in small_plan.level(AreaLevel.COMMUNITY):
        grids = small_plan.children(c)
        assert [g.code for g in grids] == [f"{c.code}{i:03d}" for i in range(1, len(grids) + 1)]
        for g in grids:
            if g.grid_type == GridType.COMPREHENSIVE:
                assert g.name == f"{c.name}第{int(g.code[-3:])}网格"
            else:
                assert g.name.endswith("专属网格")
    dedicated = [g for g in small_plan.level(AreaLevel.GRID)
                 if g.grid_type != GridType.COMPREHENSIVE]
    assert 2 <= len(dedicated) <= 6 and all(g.urban for g in dedicated)


def test_grids_are_numbered_north_to_south_then_west_to_east(small_plan):
    for c in small_plan.level(AreaLevel.COMMUNITY):
        grids = small_plan.children(c)
        band = (c.geometry.area / len(grids)) ** 0.5
        top = c.geometry.bounds[3]
        keys = [(int((top - g.geometry.centroid.y) // band), g.geometry.centroid.x) for g in grids]
        assert keys == sorted(keys)


def test_children_tile_their_parent_without_overlap(small_plan):
    nodes = small_plan.nodes
    for n in nodes:
        g = n.geometry
        assert g.geom_type in ("Polygon", "MultiPolygon") and g.is_valid and g.area > 0
        assert 105.0 < g.centroid.x < 108.0 and 28.5 < g.centroid.y < 30.5
    for p in nodes:
        kids = [nodes[i].geometry for i in p.children]
        if not kids:
            continue
        tol = 1e-9 * p.geometry.area
        for a, b in itertools.combinations(kids, 2):
            assert a.intersection(b).area <= tol
        union = shapely.union_all(kids)
        assert abs(union.area - p.geometry.area) <= tol
        assert union.symmetric_difference(p.geometry).area <= tol
        assert abs(sum(k.area for k in kids) - p.geometry.area) <= tol


@pytest.mark.parametrize("n", [3, 4, 6, 9])
def test_cells_cut_off_by_a_concave_parent_are_merged_into_a_neighbour(n):
    # A comb: Voronoi cells span the gaps between the teeth, so clipping cuts them in pieces.
    comb = shapely.union_all([box(0, 0, 10, 1)] + [box(2 * i, 1, 2 * i + 1, 8) for i in range(5)])
    two_islands = shapely.MultiPolygon([box(0, 0, 1, 1), box(3, 0, 4, 1)])
    for parent in (comb, two_islands):
        cells = _tessellate(np.array([parent], dtype=object), np.array([n]),
                            np.random.default_rng(n))[0]
        assert len(cells) == n
        assert all(c.geom_type in ("Polygon", "MultiPolygon") and c.is_valid and c.area > 0
                   for c in cells)
        if parent is comb:
            assert all(c.geom_type == "Polygon" for c in cells)
        for a, b in itertools.combinations(cells, 2):
            assert a.intersection(b).area <= 1e-12
        assert shapely.union_all(cells).symmetric_difference(parent).area <= 1e-9 * parent.area


def test_apportion_keeps_the_total_and_the_minimum():
    got = apportion(10, [1, 1, 1], minimum=2)
    assert got.sum() == 10 and got.min() >= 2 and sorted(got.tolist()) == [3, 3, 4]
    assert apportion(5, [100, 1, 1], minimum=1).tolist() == [3, 1, 1]
    with pytest.raises(ValueError):
        apportion(2, [1, 1, 1], minimum=1)


def test_city_scale_skeleton_has_chongqing_counts():
    """The full city geometry takes ~6 s (see the slow test); the skeleton takes under a second
    and fixes every count, code, name and household figure."""
    plan = generate_city("city", 1, geometry=False)
    assert plan.counts() == CITY_COUNTS
    assert _identity(plan) == _identity(generate_city("city", 1, geometry=False))
    districts = plan.level(AreaLevel.DISTRICT)
    assert sum(d.urban for d in districts) == SCALES["city"].urban == 9
    assert sum(d.name.endswith("区") for d in districts) == 26
    assert sum(d.name.endswith("县") for d in districts) == 12
    assert len({d.name for d in districts}) == 38
    towns = plan.level(AreaLevel.TOWN)
    assert all(t.name.endswith(("街道", "镇", "乡")) for t in towns)
    assert all(int(t.code[-3:]) < 100 for t in towns if t.name.endswith("街道"))
    grids = plan.level(AreaLevel.GRID)
    urban_comprehensive = [g for g in grids if g.urban and g.grid_type == GridType.COMPREHENSIVE
                           and plan.nodes[g.parent].kind == "社区"]
    assert all(300 <= g.households <= 500 for g in urban_comprehensive)
    dedicated = [g for g in grids if g.grid_type != GridType.COMPREHENSIVE]
    assert 300 <= len(dedicated) <= 900
    assert all(g.urban and plan.nodes[plan.nodes[g.parent].parent].kind == "街道" for g in dedicated)
    assert 11_000_000 < plan.root.households < 14_000_000
    assert 28_000_000 < plan.root.population < 36_000_000
    assert len({g.code for g in grids}) == 62000


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("JIEWANG_SLOW") != "1",
                    reason="full city geometry (~8 s): set JIEWANG_SLOW=1")
def test_city_scale_geometry_is_valid_and_tiles():
    plan = generate_city("city", 1)
    assert plan.counts() == CITY_COUNTS
    geoms = [n.geometry for n in plan.nodes]
    assert all(shapely.is_valid(geoms)) and min(shapely.area(geoms)) > 0
    nodes = plan.nodes
    for p in nodes:
        if p.level >= AreaLevel.COMMUNITY or not p.children:
            continue
        union = shapely.union_all([nodes[i].geometry for i in p.children])
        assert union.symmetric_difference(p.geometry).area <= 1e-9 * p.geometry.area


# --- Seeding ------------------------------------------------------------------------------------


def _stored_counts():
    return {lv: Area.objects.filter(level=lv).count() for lv in SMALL_COUNTS}


@pytest.mark.django_db
def test_seed_writes_the_plan_with_paths_boundaries_boards_and_departments():
    revision = BoundaryRevision.current()
    result = seed_demo(scale="small", seed=3)
    plan = generate_city("small", 3)
    assert result.created
    assert _stored_counts() == SMALL_COUNTS
    areas = {a.code: a for a in Area.objects.all()}
    for n in plan.nodes:
        a = areas[n.code]
        assert (a.level, a.name, a.households, a.population, a.grid_type) == (
            n.level, n.name, n.households, n.population, n.grid_type)
        assert (a.parent.code if a.parent else None) == n.parent_code
        assert a.path == (a.parent.path if a.parent else "/") + f"{a.id}/"
        geom = geometry_from_geojson(a.geometry)
        assert geom.is_valid and geom.area > 0
        assert isinstance(a.geometry["coordinates"], list)
        assert geom.equals_exact(n.geometry, 1e-7)  # rounded to 7 decimals
        assert (a.min_lon, a.min_lat, a.max_lon, a.max_lat) == pytest.approx(geom.bounds, abs=0)
    root = areas["500000"]
    assert Area.objects.subtree(root).count() == sum(SMALL_COUNTS.values())
    # Stored (rounded) boundaries still tile their parent to within ~1 cm along the edges.
    for a in areas.values():
        kids = [geometry_from_geojson(k.geometry) for k in areas.values() if k.parent_id == a.id]
        if kids:
            parent = geometry_from_geojson(a.geometry)
            assert shapely.union_all(kids).symmetric_difference(parent).area <= 1e-5 * parent.area
    assert AreaBoundary.objects.count() == sum(SMALL_COUNTS.values())
    current = AreaBoundary.objects.filter(valid_to__isnull=True).order_by()
    assert current.values("area").distinct().count() == 79
    assert BoundaryRevision.current() == revision + 1
    assert Board.objects.count() == 4 * 4
    assert set(Board.objects.values_list("name", flat=True)) == {"党的建设", "经济发展", "民生服务", "平安法治"}
    assert Post.objects.count() == 4 * POSTS_PER_TOWN
    assert set(Post.objects.filter(board__kind="safety").values_list("name", flat=True)) >= {
        "综治办", "综合执法大队", "派出所", "司法所", "应急办", "信访办"}
    assert Department.objects.count() == (len(names.CITY_DEPARTMENTS)
                                          + 2 * len(DISTRICT_DEPARTMENTS))
    district = Area.objects.get(code="500101")
    assert Department.objects.filter(area=district, name=f"{district.name}城市管理局", code="cgj").exists()
    audit = AuditEntry.objects.get(action="demo.seed")
    assert (audit.object_id, audit.actor_id) == (str(root.id), None)
    assert audit.data["counts"]["grid"] == 60 and audit.data["seed"] == 3


@pytest.mark.django_db
def test_seeding_twice_does_not_duplicate():
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--seed", "5", "--history", "0", stdout=out)
    assert "Demo city seeded" in out.getvalue()
    before = (_stored_counts(), AreaBoundary.objects.count(), Board.objects.count(),
              Post.objects.count(), Department.objects.count(), User.objects.count(),
              RoleGrant.objects.count(), BoundaryRevision.current())
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--seed", "5", "--history", "0", stdout=out)
    assert "already exists" in out.getvalue() and "grid_worker" in out.getvalue()
    after = (_stored_counts(), AreaBoundary.objects.count(), Board.objects.count(),
             Post.objects.count(), Department.objects.count(), User.objects.count(),
             RoleGrant.objects.count(), BoundaryRevision.current())
    assert after == before
    assert AuditEntry.objects.filter(action="demo.seed").count() == 1


@pytest.mark.django_db
def test_force_replaces_a_demo_only_database():
    seed_demo(scale="small", seed=1)
    call_command("seed_demo", "--scale", "small", "--seed", "2", "--history", "0", "--force", stdout=StringIO())
    plan = generate_city("small", 2)
    stored = sorted(Area.objects.values_list("code", "name"))
    assert stored == sorted((n.code, n.name) for n in plan.nodes)
    assert AreaBoundary.objects.count() == 79
    assert User.objects.count() == len(DEMO_USERS)
    assert RoleGrant.objects.count() == len(DEMO_USERS) - 1
    assert AuditEntry.objects.filter(action="demo.seed").count() == 2


@pytest.mark.django_db
def test_grid_workers_one_per_grid_with_unusable_passwords_and_replaced_by_force():
    seed_demo(scale="small", seed=6, grid_workers=True)
    workers = User.objects.filter(username__regex=r"^gw[0-9]{15}$")
    assert workers.count() == 60
    assert not any(u.has_usable_password() for u in workers)
    grants = RoleGrant.objects.filter(user__in=workers).select_related("user", "area")
    assert sorted(g.area.code for g in grants) == sorted(
        Area.objects.filter(level=AreaLevel.GRID).values_list("code", flat=True))
    assert all(g.role == "grid_worker" and g.user.username == "gw" + g.area.code for g in grants)
    call_command("seed_demo", "--scale", "small", "--seed", "6", "--history", "0", "--force", stdout=StringIO())
    assert User.objects.count() == len(DEMO_USERS)
    assert RoleGrant.objects.count() == len(DEMO_USERS) - 1


@pytest.mark.django_db
def test_force_refuses_when_other_data_exists():
    seed_demo(scale="small", seed=1)
    User.objects.create_user("someone", password="not-a-demo-2026")
    codes = sorted(Area.objects.values_list("code", "name"))
    with pytest.raises(CommandError, match="demo.not_only_demo"):
        call_command("seed_demo", "--scale", "small", "--seed", "2", "--history", "0", "--force", stdout=StringIO())
    assert sorted(Area.objects.values_list("code", "name")) == codes
    assert AuditEntry.objects.filter(action="demo.seed").count() == 1


@pytest.mark.django_db
def test_demo_logins_authenticate_and_hold_exactly_their_role():
    seed_demo(scale="small", seed=4)
    logins = demo_logins()
    assert [r.username for r in logins] == [d.username for d in DEMO_USERS]
    assert all(r.password == DEMO_PASSWORD for r in logins)
    # Hashed once: every demo account carries the same hash string.
    demo_users = User.objects.filter(username__in=[d.username for d in DEMO_USERS]).order_by()
    assert demo_users.values("password").distinct().count() == 1
    for spec in DEMO_USERS:
        request = RequestFactory().post("/login/")
        user = authenticate(request, username=spec.username, password=DEMO_PASSWORD)
        assert user is not None and user.username == spec.username
        grants = list(RoleGrant.objects.filter(user=user).select_related("area", "department"))
        if spec.role == "superuser":
            assert user.is_superuser and user.is_staff and grants == []
            continue
        assert not user.is_superuser
        assert [(g.role, g.area.level) for g in grants] == [(spec.role, spec.level)]
        assert (grants[0].department is not None) == (spec.role == "department_staff")
        assert (grants[0].post_id is not None) == (spec.role == "post_staff")
        assert (grants[0].board_id is not None) == (spec.role == "board_leader")
    wrong = authenticate(RequestFactory().post("/login/"), username="grid_worker", password="wrong")
    assert wrong is None
    by_user = {r.username: r for r in logins}
    grid = Area.objects.get(code=by_user["grid_worker"].area_code)
    community = Area.objects.get(code=by_user["community_staff"].area_code)
    town = Area.objects.get(code=by_user["town_leader"].area_code)
    district = Area.objects.get(code=by_user["district_admin"].area_code)
    assert grid.parent_id == community.id and community.parent_id == town.id
    assert town.parent_id == district.id and town.name.endswith("街道")
    assert grid.grid_type == GridType.COMPREHENSIVE
    assert by_user["resident"].area_code == grid.code
    assert by_user["town_operator"].area_code == town.code
    assert by_user["department_staff"].department == f"{district.name}城市管理局"
    assert (by_user["post_staff"].department, by_user["board_leader"].department) == ("综合执法大队", "平安法治")
    assert by_user["post_staff"].area_code == town.code


def test_the_demo_city_obeys_the_code_rule():
    """Seeding writes with bulk_create, past the services' code check: the plan must obey it."""
    from jiewang.areas.codes import extends_parent_code

    nodes = generate_city("city", 1, geometry=False).nodes
    foreign = [(n.code, nodes[n.parent].code) for n in nodes
               if n.parent >= 0 and not extends_parent_code(n.code, nodes[n.parent].code, nodes[n.parent].level)]
    assert len(nodes) > 1000 and foreign == []
