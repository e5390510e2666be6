"""The list's versions (publishing v2 supersedes v1; a task cites the version in force; the diff),
who may keep it, a data-collection task pre-filled from base data, and the burden report's counts
checked against figures worked out by hand."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.admission.models import DutyItem, DutyList, PushRequest, TaskRecord
from jiewang.admission.testing import household, push
from jiewang.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def post(client, url, body=None, method="post"):
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


# ---- versions ---------------------------------------------------------------------------------------

def test_publishing_v2_supersedes_v1_and_tasks_cite_the_version_in_force(tree, people, loop, dlist, client_for):
    admin = client_for(people.district_admin)
    first = push(people.town_operator, tree.g1, code="PB01")
    assert (first.list_version, first.duty_item.duty_list_id) == (1, dlist.pk)
    r = post(admin, "/api/admission/lists", {"district_id": tree.d1.pk, "note": "2027年版"})
    assert r.status_code == 201, r.content
    v2 = r.json()
    assert (v2["version"], v2["status"], len(v2["items"])) == (2, "draft", 3)  # a copy of v1
    assert post(admin, "/api/admission/lists", {"district_id": tree.d1.pk}).json()["id"] == v2["id"]  # one draft
    pb = next(i for i in v2["items"] if i["code"] == "PB01")
    r = post(admin, f"/api/admission/items/{pb['id']}", {"expected_hours": 2, "name": "政策宣传（入户）"}, "put")
    assert r.status_code == 200, r.content
    aq = next(i for i in v2["items"] if i["code"] == "AQ01")
    assert admin.delete(f"/api/admission/items/{aq['id']}").status_code == 204
    r = post(admin, f"/api/admission/lists/{v2['id']}/items",
             {"code": "LN01", "name": "独居老人走访", "kind": "service", "level": "grid", "by_town": True,
              "expected_hours": 2.5})
    assert r.status_code == 201, r.content
    # the draft is not in force: a push still cites v1
    assert push(people.town_operator, tree.g1, code="PB01").list_version == 1
    r = post(admin, f"/api/admission/lists/{v2['id']}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    dlist.refresh_from_db()
    assert (dlist.status, dlist.superseded_at is not None) == ("superseded", True)
    # a task now cites v2; citing v1's item is held; the old task keeps citing v1
    p = push(people.town_operator, tree.g1, code="PB01")
    assert (p.status, p.list_version, p.expected_hours) == ("admitted", 2, Decimal("2.00"))
    old_item = DutyItem.objects.get(duty_list=dlist, code="PB01")
    from jiewang.admission.services.pushing import task_push
    from jiewang.events.models import MatterCategory

    stale = task_push(actor=people.town_operator, area=tree.g1, category=MatterCategory.objects.get(code="LS01"),
                      title="旧版事项", due_at=timezone.now() + dt.timedelta(days=1), duty_item_id=old_item.pk)
    assert (stale.status, stale.reasons) == ("held", ["item_not_in_force"])
    first.refresh_from_db()
    assert (first.list_version, first.duty_item_id) == (1, old_item.pk)
    # published versions are frozen; the diff of v2 against v1
    assert post(admin, f"/api/admission/items/{old_item.pk}", {"name": "改"}, "put").json()["code"] == "admission.not_draft"
    diff = admin.get(f"/api/admission/lists/{v2['id']}/diff").json()
    assert (diff["from_version"], diff["added"], diff["removed"]) == (1, ["LN01"], ["AQ01"])
    assert diff["changed"]["PB01"]["name"] == ["政策宣传", "政策宣传（入户）"]
    assert diff["changed"]["PB01"]["expected_hours"] == ["1.50", "2.00"]
    assert AuditEntry.objects.filter(action="duty_list.publish").count() == 2


def test_who_keeps_the_list(tree, people, loop, dlist, client_for):
    before = (DutyList.objects.count(), DutyItem.objects.count())
    for who, status in (("town_operator", 403), ("department_staff", 403), ("grid_worker", 403),
                        ("other_district_admin", 404)):
        r = post(client_for(getattr(people, who)), "/api/admission/lists", {"district_id": tree.d1.pk})
        assert r.status_code == status, (who, r.content)
    assert post(client_for(people.district_admin), "/api/admission/lists", {"district_id": tree.t1.pk}).status_code == 422
    assert (DutyList.objects.count(), DutyItem.objects.count()) == before
    # every staff member of the district reads it (pushers choose from it); the other district does not
    assert [x["code"] for x in client_for(people.department_staff).get(
        f"/api/admission/in-force?area_id={tree.g1.pk}").json()] == ["AQ01", "PB01", "RK01"]
    assert client_for(people.other_district_admin).get("/api/admission/lists").json() == []
    assert client_for(people.other_district_admin).get(f"/api/admission/lists/{dlist.pk}").status_code == 404


# ---- 一表通: a data-collection task pre-filled from base data ---------------------------------------------

def test_a_data_collection_task_is_prefilled_from_base_data(tree, people, loop, dlist, client_for):
    r1, r2 = household(tree.g1)
    from jiewang.basedata.models import Resident

    Resident.objects.create(grid=tree.g1, area_path=tree.g1.path, name="王搬走", gender="male", house=r1.house,
                            relation="child", is_active=False)
    p = push(people.department_staff, tree.g1, code="RK01", title="人口信息采集")
    assert p.status == "admitted" and [f["key"] for f in p.form] == ["name", "relation", "address", "insured"]
    gw = client_for(people.grid_worker)
    rows = gw.get(f"/api/admission/tasks/{p.event.number}/records").json()
    from django.utils import translation

    from jiewang.basedata.choices import Relation

    with translation.override("zh-hans"):  # choices are shown (and stored) by their label in the site's language
        head, spouse, child = (str(Relation(x).label) for x in ("head", "spouse", "child"))
    assert [(r["subject_id"], r["prefilled"]) for r in rows] == [
        (r1.pk, {"name": "张桂兰", "relation": head, "address": "学府路18号3栋2单元501"}),
        (r2.pk, {"name": "李建国", "relation": spouse, "address": "学府路18号3栋2单元501"})]  # moved-out: none
    # the worker confirms one as it is and corrects the other; only the new datum is typed
    r = post(gw, f"/api/admission/records/{rows[0]['id']}/confirm", {"values": {"insured": True}})
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.content
    assert r.json()["values"] == {**rows[0]["prefilled"], "insured": True}
    r = post(gw, f"/api/admission/records/{rows[1]['id']}/confirm",
             {"values": {"name": "李建军", "relation": child, "insured": False}})
    out = r.json()
    assert (out["status"], out["corrections"]) == ("corrected", {"name": ["李建国", "李建军"], "relation": [spouse, child]})
    rec = TaskRecord.objects.get(pk=rows[1]["id"])
    assert rec.confirmed_by == people.grid_worker
    # the correction went back to base data through its own service (versioned, audited)
    r2.refresh_from_db()
    assert (out["written_back"], r2.name, r2.relation, r2.version) == (True, "李建军", "child", 2)
    assert AuditEntry.objects.filter(object_type="basedata.resident", object_id=str(r2.pk)).exists()
    assert AuditEntry.objects.filter(action="push.record_confirm", object_id=str(rec.pk)).exists()
    # unknown fields and other grids' workers are refused
    assert post(gw, f"/api/admission/records/{rows[0]['id']}/confirm", {"values": {"x": "1"}}).status_code == 422
    other = User.objects.create(username="gw2")
    RoleGrant.objects.create(user=other, role=Role.GRID_WORKER, area=tree.g3)
    assert post(client_for(other), f"/api/admission/records/{rows[0]['id']}/confirm").status_code == 404


# ---- the burden report ------------------------------------------------------------------------------

def test_the_burden_reports_counts_are_exact(tree, people, loop, dlist, commander, client_for):
    from jiewang.admission.services.pushing import push_approve, push_refuse

    gw2 = User.objects.create(username="gw_b", display_name="网格员乙")
    RoleGrant.objects.create(user=gw2, role=Role.GRID_WORKER, area=tree.g1)  # g1 has two workers
    a1 = push(people.town_operator, tree.g1, code="PB01")  # admitted: g1, 1.5 h
    a2 = push(people.department_staff, tree.g1, code="RK01")  # admitted: g1, 4 h (城市管理局)
    a3 = push(people.town_operator, tree.c1, code="AQ01")  # admitted: c1 → g1 and g2, 3 h each
    h1 = push(people.town_operator, tree.g2, expected_hours=2)  # held, then approved: g2, 2 h
    push_approve(actor=commander, push=h1)
    h2 = push(people.department_staff, tree.g1, code="PB01")  # held (not the department's), then refused
    push_refuse(actor=commander, push=h2, reason="非本部门准入事项")
    push(people.town_operator, tree.g3, expected_hours=5)  # still held: g3 (乙社区)
    # a1 is done: its event closed
    from jiewang.events.models import Event

    Event.objects.filter(pk=a1.event_id).update(status="closed", closed_at=timezone.now())
    # last month's push is not counted
    old = push(people.town_operator, tree.g1, code="PB01")
    PushRequest.objects.filter(pk=old.pk).update(pushed_at=timezone.now() - dt.timedelta(days=40))
    assert {a2.status, a3.status} == {"admitted"}

    month = timezone.localdate().strftime("%Y-%m")
    rep = client_for(people.town_leader).get(f"/api/admission/burden?area_id={tree.t1.pk}&month={month}").json()
    grids = {g["name"]: g for g in rep["grids"]}
    g1, g2, g3 = grids["甲社区第1网格"], grids["甲社区第2网格"], grids["乙社区第1网格"]
    pick = lambda r: (r["pushed"], r["admitted"], r["approved"], r["held"], r["refused"], r["done"], r["hours"])  # noqa: E731
    assert pick(g1) == (4, 3, 0, 0, 1, 1, 1.5 + 4 + 3)
    assert pick(g2) == (2, 1, 1, 0, 0, 0, 3 + 2)
    assert pick(g3) == (1, 0, 0, 1, 0, 0, 0)
    # g1's 8.5 h shared by its two workers
    workers = {w["name"]: w for w in rep["workers"]}
    assert workers["grid_worker"]["hours"] == workers["网格员乙"]["hours"] == 4.25
    assert workers["grid_worker"]["pushed"] == 4
    pushers = {p["name"]: p for p in rep["pushers"]}
    assert pick(pushers["北区城市管理局"]) == (2, 1, 0, 0, 1, 0, 4)
    assert pick(pushers["一街道 · 镇街科室"]) == (4, 2, 1, 1, 0, 1, 1.5 + 3 * 2 + 2)
    assert pick(rep["total"]) == (6, 3, 1, 1, 1, 1, 1.5 + 4 + 6 + 2)
    # the Excel export holds the same rows
    from openpyxl import load_workbook

    r = client_for(people.town_leader).get(f"/api/admission/burden.xlsx?area_id={tree.t1.pk}&month={month}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    rows = {row[0]: row for row in wb["网格 Grids"].iter_rows(min_row=3, values_only=True)}
    assert rows["甲社区第1网格"][2:] == (4, 3, 0, 0, 1, 3, 1, 8.5)
    # scope: a grid worker may not read the town's report; the other district's admin sees no such area
    assert client_for(people.grid_worker).get(f"/api/admission/burden?area_id={tree.t1.pk}").status_code == 403
    assert client_for(people.other_district_admin).get(f"/api/admission/burden?area_id={tree.t1.pk}").status_code == 404
