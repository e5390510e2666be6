"""The counts report (户数、人口、重点人群 per grid and community): exact against hand counts."""

import io

import pytest

from jiewang.basedata.models import KeyGroup
from jiewang.basedata.services.residents import key_person_add, resident_move_out
from jiewang.basedata.testing import house_at, resident_in
from jiewang.basedata import idnumber

pytestmark = pytest.mark.django_db


def _people(house, n, kind="registered", start=0):
    return [resident_in(house, name=f"人{start + i}", kind=kind, phone="",
                        id_number=idnumber.fake(__import__("random").Random(start + i * 7919 + house.pk)))
            for i in range(n)]


def test_counts_exact(tree, people, client_for):
    # g1: 2 households (3 registered + 1 floating; 2 registered), 1 vacant house
    h1, h2, h3 = house_at(tree.g1, room="101"), house_at(tree.g1, room="102"), house_at(tree.g1, room="103")
    a = _people(h1, 3) + _people(h1, 1, "floating", 10)
    b = _people(h2, 2, start=20)
    assert h3  # vacant: not a household
    # g2: 1 household of 1 overseas (+ a moved-out resident who no longer counts)
    h4 = house_at(tree.g2, room="201")
    c = _people(h4, 1, "overseas", 30)
    gone = _people(h4, 1, start=40)[0]
    resident_move_out(actor=None, resident=gone, expected_version=1)
    # g3 (other community): 1 household of 2
    _people(house_at(tree.g3), 2, start=50)
    elderly, disabled = KeyGroup.objects.get(code="elderly_alone"), KeyGroup.objects.get(code="disabled")
    key_person_add(actor=None, resident=a[0], group=elderly)
    key_person_add(actor=None, resident=a[0], group=disabled)
    key_person_add(actor=None, resident=b[1], group=elderly)
    key_person_add(actor=None, resident=c[0], group=disabled)

    body = client_for(people.town_leader).get(f"/api/basedata/counts?area_id={tree.t1.pk}").json()
    rows = {r["name"]: r for r in body["rows"]}
    assert (rows["甲社区第1网格"]["households"], rows["甲社区第1网格"]["people"]) == (2, 6)
    assert rows["甲社区第1网格"]["by_type"] == {"registered": 5, "floating": 1, "overseas": 0}
    assert rows["甲社区第1网格"]["key"] == {"elderly_alone": 2, "disabled": 1}
    assert (rows["甲社区第2网格"]["households"], rows["甲社区第2网格"]["people"]) == (1, 1)
    assert rows["甲社区第2网格"]["by_type"]["overseas"] == 1 and rows["甲社区第2网格"]["key"] == {"disabled": 1}
    assert (rows["甲社区"]["households"], rows["甲社区"]["people"]) == (3, 7)
    assert rows["甲社区"]["key"] == {"elderly_alone": 2, "disabled": 2}
    assert (rows["乙社区"]["households"], rows["乙社区"]["people"]) == (1, 2)
    assert (body["total"]["households"], body["total"]["people"]) == (4, 9)
    assert [r["name"] for r in body["rows"]] == ["甲社区", "甲社区第1网格", "甲社区第2网格", "乙社区", "乙社区第1网格"]
    # the grid worker: their grid only
    gw = client_for(people.grid_worker)
    assert gw.get(f"/api/basedata/counts?area_id={tree.g1.pk}").json()["total"]["people"] == 6
    assert gw.get(f"/api/basedata/counts?area_id={tree.c1.pk}").status_code == 404
    # the Excel export holds the same figures
    from openpyxl import load_workbook

    resp = client_for(people.town_leader).get(f"/api/basedata/counts/export?area_id={tree.t1.pk}")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert [c.value for c in ws[ws.max_row]][:7] == [tree.t1.code, "一街道", 4, 9, 7, 1, 1]


def test_community_counts_have_no_duplicate_subtotal(tree, people, client_for):
    resident_in(house_at(tree.g1))
    body = client_for(people.community_staff).get(f"/api/basedata/counts?area_id={tree.c1.pk}").json()
    assert [r["name"] for r in body["rows"]] == ["甲社区第1网格", "甲社区第2网格"]
    assert (body["total"]["name"], body["total"]["people"], body["total"]["households"]) == ("甲社区", 1, 1)
