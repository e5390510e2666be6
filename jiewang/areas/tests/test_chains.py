"""The locator's chains: a point's leaf with all its ancestors, cached per process and forgotten
when an area's code, name, parent or validity changes (and only then)."""

import numpy as np
import pytest
from django.db import transaction

from jiewang.areas import locator as loc
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area, BoundaryRevision
from jiewang.areas.services import area_move, area_retire, area_update
from jiewang.audit.models import AuditEntry
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

IN_G1 = (106.05, 29.2)
IN_G4 = (106.7, 29.5)
IN_T2 = (106.2, 29.7)  # 二街道 has no community drawn: the town is the leaf there
NEAR_G1 = (105.9998, 29.2)  # ~19 m west of the city's edge: snapped to 甲社区第1网格
FAR = (105.99, 29.2)  # ~970 m west: outside


@pytest.fixture
def slow_recheck(settings):
    """Other processes' changes are only seen at the revision check: make it never due by itself."""
    settings.LOCATOR_REVISION_CHECK_SECONDS = 3600
    loc.get_locator(refresh=True)


def later():
    """As if the recheck interval had passed (another process's view of time)."""
    loc._state["checked"] -= 3601


def chain_rows(chain):
    return [(a.id, a.level, a.code, a.name, a.path) for a in chain.areas]


def rows(*areas):
    return [(a.id, a.level, a.code, a.name, Area.objects.get(pk=a.pk).path) for a in areas]


@pytest.mark.django_db
def test_a_point_gets_its_whole_chain(tree, slow_recheck, django_assert_num_queries):
    locator = loc.get_locator(refresh=True)
    with django_assert_num_queries(1):  # leaf and ancestors in one statement
        result, chain = locator.locate_chain(*IN_G1)
    assert result == loc.LocateResult(tree.g1.id, "inside", 0.0)
    assert chain_rows(chain) == rows(tree.city, tree.d1, tree.t1, tree.c1, tree.g1)
    assert [a.code for a in chain.areas] == ["500000", "500101", "500101001", "500101001001", "500101001001001"]
    assert (chain.city.id, chain.district.id, chain.town.id, chain.community.id, chain.grid.id, chain.leaf.id) == (
        tree.city.id, tree.d1.id, tree.t1.id, tree.c1.id, tree.g1.id, tree.g1.id)
    assert chain.at(AreaLevel.MICROGRID) is None and chain.ids == [a.id for a in chain.areas]
    with django_assert_num_queries(0):  # cached
        assert locator.locate_chain(*IN_G1)[1] is chain
    # a second grid of the same town: its ancestors are cached, only its own row is read
    with django_assert_num_queries(1):
        _r, chain2 = loc.locate_chain(106.2, 29.2)
    assert chain_rows(chain2) == rows(tree.city, tree.d1, tree.t1, tree.c1, tree.g2)
    assert chain2.town is chain.town
    # the chain ends where the drawn tree ends
    _r, chain3 = loc.locate_chain(*IN_T2)
    assert chain_rows(chain3) == rows(tree.city, tree.d1, tree.t2)
    assert chain3.community is None and chain3.grid is None and chain3.leaf.id == tree.t2.id


@pytest.mark.django_db
def test_nearest_and_outside_points(tree):
    result, chain = loc.locate_chain(*NEAR_G1)
    assert result.area_id == tree.g1.id and result.status == "nearest" and 15 < result.distance_m < 25
    assert chain.ids == [tree.city.id, tree.d1.id, tree.t1.id, tree.c1.id, tree.g1.id]
    assert loc.locate_chain(*FAR) == (loc.LocateResult(None, "outside", None), None)
    assert loc.locate_with_ancestors(*FAR) == (loc.LocateResult(None, "outside", None), [])
    result, areas = loc.locate_with_ancestors(*IN_G4)
    assert result.area_id == tree.g4.id
    assert [a.id for a in areas] == [tree.city.id, tree.d2.id, tree.t3.id, tree.c3.id, tree.g4.id]


@pytest.mark.django_db
def test_batch_chains(tree, slow_recheck, django_assert_num_queries):
    locator = loc.get_locator(refresh=True)
    points = [IN_G1, IN_G4, IN_T2, NEAR_G1, FAR, IN_G1]
    with django_assert_num_queries(1):  # every uncached chain in one statement
        ids, status, chains = locator.locate_chains([p[0] for p in points], [p[1] for p in points])
    assert ids.tolist() == [tree.g1.id, tree.g4.id, tree.t2.id, tree.g1.id, -1, tree.g1.id]
    assert status.tolist() == [loc.STATUS_INSIDE, loc.STATUS_INSIDE, loc.STATUS_INSIDE, loc.STATUS_NEAREST,
                               loc.STATUS_OUTSIDE, loc.STATUS_INSIDE]
    assert [c.ids if c else None for c in chains] == [
        [tree.city.id, tree.d1.id, tree.t1.id, tree.c1.id, tree.g1.id],
        [tree.city.id, tree.d2.id, tree.t3.id, tree.c3.id, tree.g4.id],
        [tree.city.id, tree.d1.id, tree.t2.id],
        [tree.city.id, tree.d1.id, tree.t1.id, tree.c1.id, tree.g1.id],
        None,
        [tree.city.id, tree.d1.id, tree.t1.id, tree.c1.id, tree.g1.id],
    ]
    assert chains[0] is chains[3] is chains[5]
    assert [c.town.code for c in chains if c] == ["500101001", "500102001", "500101002", "500101001", "500101001"]
    with django_assert_num_queries(0):
        assert locator.chains([tree.g1.id, tree.g4.id]) == {tree.g1.id: chains[0], tree.g4.id: chains[1]}
    # many uncached leaves at once (beyond the prepared statements' sizes): still one statement
    locator.chain_cache.clear()
    xs = np.tile(np.array([106.05, 106.2, 106.3, 106.7, 106.2]), 8)
    ys = np.tile(np.array([29.2, 29.2, 29.2, 29.5, 29.7]), 8)
    with django_assert_num_queries(1):
        _ids, _st, many = locator.locate_chains(xs, ys, crs="wgs84")
    assert [c.leaf.id for c in many[:5]] == [tree.g1.id, tree.g2.id, tree.g3.id, tree.g4.id, tree.t2.id]


@pytest.mark.django_db
def test_a_code_or_name_change_is_seen_at_once_here_and_at_the_next_check_elsewhere(tree, slow_recheck, monkeypatch):
    chain = loc.locate_chain(*IN_G1)[1]
    assert chain.town.code == "500101001"
    revs = BoundaryRevision.current_pair()
    area_update(actor=None, area=tree.t1, code="500101009")
    assert BoundaryRevision.current_pair() == (revs[0], revs[1] + 1)  # the chain count, not the boundaries
    chain = loc.locate_chain(*IN_G1)[1]
    assert chain.town.code == "500101009" and chain.grid.id == tree.g1.id
    # another process: nothing tells it but the counter
    monkeypatch.setattr(loc, "forget_chains", lambda: None)
    area_update(actor=None, area=tree.g1, name="甲社区一网格")
    assert loc.locate_chain(*IN_G1)[1].grid.name == "甲社区第1网格"  # until its next check
    later()
    chain = loc.locate_chain(*IN_G1)[1]
    assert chain.grid.name == "甲社区一网格" and chain.town.code == "500101009"


@pytest.mark.django_db
def test_other_edits_keep_the_chains(tree, slow_recheck):
    chain = loc.locate_chain(*IN_G1)[1]
    revs = BoundaryRevision.current_pair()
    area_update(actor=None, area=tree.g1, population=1234, households=500)
    area_update(actor=None, area=tree.t1, code="500101001")  # no change
    assert BoundaryRevision.current_pair() == revs
    later()
    assert loc.locate_chain(*IN_G1)[1] is chain


@pytest.mark.django_db
def test_a_rolled_back_change_is_forgotten_at_the_next_check(tree, slow_recheck):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        area_update(actor=None, area=tree.t1, code="500101009")
        assert loc.locate_chain(*IN_G1)[1].town.code == "500101009"  # read inside the transaction
        raise Undo
    assert Area.objects.get(pk=tree.t1.pk).code == "500101001"
    later()
    assert loc.locate_chain(*IN_G1)[1].town.code == "500101001"


@pytest.mark.django_db
def test_a_move_and_a_retirement_change_the_chain(tree, slow_recheck, monkeypatch):
    assert loc.locate_chain(*IN_G1)[1].ids == [tree.city.id, tree.d1.id, tree.t1.id, tree.c1.id, tree.g1.id]
    area_move(actor=None, area=tree.c1, parent=tree.t3)
    chain = loc.locate_chain(*IN_G1)[1]  # the index's path is stale: the row's path is followed
    assert chain_rows(chain) == rows(tree.city, tree.d2, tree.t3, tree.c1, tree.g1)
    # elsewhere: at the next check
    monkeypatch.setattr(loc, "forget_chains", lambda: None)
    area_move(actor=None, area=tree.c1, parent=tree.t1)
    assert loc.locate_chain(*IN_G1)[1] is chain
    later()
    assert loc.locate_chain(*IN_G1)[1].ids == [tree.city.id, tree.d1.id, tree.t1.id, tree.c1.id, tree.g1.id]
    revs = BoundaryRevision.current_pair()
    area_retire(actor=None, area=tree.g2, reason="并入第1网格")
    assert BoundaryRevision.current_pair() == (revs[0] + 1, revs[1] + 1)


@pytest.mark.django_db
def test_area_move_rewrites_the_subtree(tree, people):
    old = {a.id: a.path for a in Area.objects.all()}
    version = Area.objects.get(pk=tree.c1.pk).version
    moved = area_move(actor=people.district_admin, area=tree.c1, parent=tree.t2, reason="区划调整")
    base = f"/{tree.city.id}/{tree.d1.id}/{tree.t2.id}/{tree.c1.id}/"
    assert moved.parent_id == tree.t2.id and moved.path == base and moved.version == version + 1
    assert moved.code == "500101001001"
    assert {a.id: a.path for a in Area.objects.all()} == {
        **old, tree.c1.id: base, tree.g1.id: f"{base}{tree.g1.id}/", tree.g2.id: f"{base}{tree.g2.id}/"}
    entry = AuditEntry.objects.get(action="area.move")
    assert entry.data == {"from": tree.t1.id, "to": tree.t2.id, "path": [old[tree.c1.id], base],
                          "reason": "区划调整"}
    assert entry.actor_id == people.district_admin.id


@pytest.mark.django_db
def test_a_refused_move_changes_nothing(tree, people):
    area_update(actor=None, area=tree.c2, code="500102001001")  # as 丙村 under 三镇
    before = ([(a.id, a.parent_id, a.path, a.version) for a in Area.objects.order_by("id")],
              AuditEntry.objects.count(), BoundaryRevision.current_pair())
    cases = [
        (dict(actor=None, area=tree.c1, parent=tree.d1), ValidationFailed, "area.level_mismatch"),
        (dict(actor=None, area=tree.g1, parent=tree.c2, expected_version=99), Conflict, "area.stale"),
        (dict(actor=None, area=tree.c2, parent=tree.t3), Conflict, "area.code_taken"),
        (dict(actor=people.district_admin, area=tree.c1, parent=tree.t3), NotFound, "not_found"),
        (dict(actor=people.community_staff, area=tree.c1, parent=tree.t2), PermissionDenied, "permission_denied"),
    ]
    for kwargs, error, code in cases:
        with pytest.raises(error) as exc:
            area_move(**kwargs)
        assert exc.value.code == code
    after = ([(a.id, a.parent_id, a.path, a.version) for a in Area.objects.order_by("id")],
             AuditEntry.objects.count(), BoundaryRevision.current_pair())
    assert after == before


@pytest.mark.django_db
def test_the_admin_moves_through_the_service(tree, people, client_for):
    import json

    c1 = Area.objects.get(pk=tree.c1.pk)
    form = {"level": c1.level, "code": c1.code, "name": "甲社区", "parent": tree.t2.pk, "grid_type": "",
            "population": c1.population, "households": c1.households, "geometry": json.dumps(c1.geometry),
            "valid_from": c1.valid_from.isoformat(), "valid_to": ""}
    r = client_for(people.admin).post(f"/admin/areas/area/{c1.pk}/change/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    base = f"/{tree.city.id}/{tree.d1.id}/{tree.t2.id}/{tree.c1.id}/"
    assert Area.objects.get(pk=tree.c1.pk).path == base
    assert Area.objects.get(pk=tree.g1.pk).path == f"{base}{tree.g1.id}/"
    edits = AuditEntry.objects.filter(object_id=str(tree.c1.pk), action__in=["area.update", "area.move",
                                                                             "area.set_boundary"])
    assert list(edits.values_list("action", flat=True)) == ["area.move"]
