"""The /assessment/ pages: the ranking with lists and the publish button for the town's leaders,
no buttons for operators, a member's breakdown, exclusions decided through the page, scope."""

from __future__ import annotations

import pytest

from jiewang.assessment.models import Exclusion, Run
from jiewang.assessment.services.engine import run_compute

pytestmark = pytest.mark.django_db


def test_the_ranking_page_and_buttons(october, tree, people, loop, client_for):
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    leader = client_for(people.town_leader)
    html = leader.get(f"/assessment/?area={tree.t1.id}&period=2026-10&population=department").content.decode()
    assert "北区生态环境局" in html and "70.0" in html and "66.67" in html
    assert f"/assessment/runs/{run.id}/publish/" in html and "/assessment/compute/" in html
    html = client_for(people.town_operator).get(f"/assessment/?area={tree.t1.id}&period=2026-10").content.decode()
    assert "/publish/" not in html and "/assessment/compute/" not in html
    page = leader.get(f"/assessment/runs/{run.id}/department/{loop.cgj.id}/").content.decode()
    assert "按期处置率" in page and "dept.on_time" not in page  # the name, not the internal code
    r = leader.post(f"/assessment/runs/{run.id}/publish/")
    assert r.status_code == 302 and Run.objects.get(pk=run.pk).status == "published"


def test_scope_and_refusals_on_pages(october, tree, people, client_for):
    run = run_compute(actor=None, area=tree.t2, period="2026-10")
    c = client_for(people.town_leader)
    assert c.get(f"/assessment/?area={tree.t2.id}&period=2026-10").status_code == 404
    assert c.get(f"/assessment/runs/{run.id}/town/{tree.t2.id}/").status_code == 404
    c.post(f"/assessment/runs/{run.id}/publish/")
    assert Run.objects.get(pk=run.pk).status == "draft"
    op = client_for(people.town_operator)
    op.post("/assessment/compute/", {"area": tree.t1.id, "period": "2026-10"})
    assert not Run.objects.filter(area=tree.t1).exists()
    assert client_for(people.grid_worker).get("/assessment/").status_code == 403


def test_exclusions_through_the_page(october, tree, people, client_for):
    op = client_for(people.town_operator)
    r = op.post("/assessment/exclusions/request/", {"event_number": october.e2.number, "kind": "force_majeure",
                                                   "reason": "暴雨", "indicators": ["dept.on_time"]})
    assert r.status_code == 302
    ex = Exclusion.objects.get()
    assert (ex.indicator_codes, ex.status, ex.requested_by) == (["dept.on_time"], "pending", people.town_operator)
    op.post(f"/assessment/exclusions/{ex.id}/decide/", {"decision": "approve"})
    assert Exclusion.objects.get().status == "pending"  # an operator does not decide
    leader = client_for(people.town_leader)
    assert "暴雨" in leader.get("/assessment/exclusions/").content.decode()
    leader.post(f"/assessment/exclusions/{ex.id}/decide/", {"decision": "approve", "comment": "属实"})
    assert Exclusion.objects.get().status == "approved"


def test_a_department_sees_its_own_row_of_the_published_ranking(october, tree, people, loop, client_for):
    from jiewang.assessment.services.engine import run_publish

    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    c = client_for(people.department_staff)
    html = c.get("/assessment/?period=2026-10").content.decode()
    assert "北区城市管理局" not in html  # a draft is not theirs to see
    run_publish(actor=None, run=run)
    html = c.get("/assessment/?period=2026-10").content.decode()
    assert "北区城市管理局" in html and "北区生态环境局" not in html and "/publish/" not in html
    assert c.get(f"/assessment/runs/{run.id}/department/{loop.sthj.id}/").status_code == 404
