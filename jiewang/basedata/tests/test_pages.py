"""The base-data pages: masked for roles without the right, the reveal button (audited), the
import page with its error report, the counts page; scope (another community's resident is not
found)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiewang.audit.models import AuditEntry
from jiewang.basedata.models import Resident
from jiewang.basedata.testing import ID_LI, ID_ZHANG, house_at, resident_in, row, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def test_index_masks_for_the_town(tree, people, client_for, zh):
    r = resident_in(house_at(tree.g1), phone="13812345678")
    c = client_for(people.town_leader)
    for tab in ("residents", "houses", "addresses", "units", "key"):
        resp = c.get(f"/basedata/?area={tree.g1.pk}&tab={tab}")
        assert resp.status_code == 200
        assert ID_ZHANG not in resp.content.decode()
    page = c.get(f"/basedata/?area={tree.g1.pk}").content.decode()
    assert "1101**********002X" in page and "138****5678" in page
    detail = c.get(f"/basedata/residents/{r.pk}/").content.decode()
    assert "1101**********002X" in detail and "bd-show-id" not in detail
    resp = c.post(f"/basedata/residents/{r.pk}/reveal/", {"field": "id_number"}, follow=True)
    assert ID_ZHANG not in resp.content.decode()
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()


def test_reveal_button_shows_and_records(tree, people, client_for, zh):
    r = resident_in(house_at(tree.g1))
    c = client_for(people.grid_worker)
    assert "bd-show-id" in c.get(f"/basedata/residents/{r.pk}/").content.decode()
    resp = c.post(f"/basedata/residents/{r.pk}/reveal/", {"field": "id_number"})
    assert resp.status_code == 200 and ID_ZHANG in resp.content.decode()
    assert AuditEntry.objects.filter(action="resident.reveal", actor=people.grid_worker).count() == 1


def test_search_by_full_id_number(tree, people, client_for, zh):
    resident_in(house_at(tree.g1))
    resident_in(house_at(tree.g1, room="502"), name="李四", id_number=ID_LI)
    page = client_for(people.community_staff).get(f"/basedata/?area={tree.c1.pk}&q={ID_LI}").content.decode()
    assert "李四" in page and "张三" not in page


def test_other_community_not_found(tree, people, client_for, zh):
    r = resident_in(house_at(tree.g1))
    c = client_for(people.other_community_staff)
    assert c.get(f"/basedata/residents/{r.pk}/").status_code == 404
    assert c.get(f"/basedata/?area={tree.g1.pk}").status_code == 404
    assert client_for(people.nobody).get("/basedata/").status_code == 403


def test_move_out_and_key_group(tree, people, client_for, zh):
    r = resident_in(house_at(tree.g1))
    c = client_for(people.grid_worker)
    c.post(f"/basedata/residents/{r.pk}/key-group/", {"group": "elderly_alone"})
    assert r.key_memberships.count() == 1
    c.post(f"/basedata/residents/{r.pk}/move-out/", {"version": 1, "note": "搬走"})
    assert not Resident.objects.get(pk=r.pk).is_active


def test_import_page_reports_rows(tree, people, client_for, zh):
    c = client_for(people.grid_worker)
    assert c.get("/basedata/import/").status_code == 200
    data = workbook([row(ID_LI), row(ID_ZHANG[:-1] + "1")])
    resp = c.post("/basedata/import/", {"area": tree.g1.pk, "mode": "all", "file": SimpleUploadedFile("r.xlsx", data)})
    page = resp.content.decode()
    assert resp.status_code == 200 and "校验码错误" in page and "Wrong check digit" not in page
    assert Resident.objects.count() == 0
    c.post("/basedata/import/", {"area": tree.g1.pk, "mode": "partial", "file": SimpleUploadedFile("r.xlsx", data)})
    assert Resident.objects.count() == 1
    assert client_for(people.town_leader).get("/basedata/import/").status_code == 403


def test_counts_page(tree, people, client_for, zh):
    resident_in(house_at(tree.g1))
    page = client_for(people.town_leader).get(f"/basedata/counts/?area={tree.t1.pk}").content.decode()
    assert "甲社区第1网格" in page and "独居老人" in page
