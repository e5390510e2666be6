"""The supervision log page (/command/supervision/) and the workspace panel of the addressees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiewang.supervision.services.entries import supervision_issue
from jiewang.supervision.testing import climb, dispatched

pytestmark = pytest.mark.django_db


def test_log_page_filters_counts_and_links(tree, people, loop, client_for):
    e1 = dispatched(tree, people, loop)
    e2 = dispatched(tree, people, loop, lead=loop.sthj)
    there = dispatched(tree, people, loop, lead=people.other_department, at=(106.6, 29.2))
    supervision_issue(actor=people.town_operator, event=e1, assignment=e1.assignments.get(), note="请限期办结",
                      reply_due_at=timezone.now() + dt.timedelta(hours=3))
    supervision_issue(actor=people.town_operator, event=e2, assignment=e2.assignments.get(), note="请回复")
    supervision_issue(actor=people.other_district_admin, event=there, assignment=there.assignments.get(), note="别处")
    c = client_for(people.town_operator)
    page = c.get("/command/supervision/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "督导台账" in page and f"/events/{e1.number}/" in page and f"/events/{e2.number}/" in page
    assert there.number not in page and "别处" not in page
    assert f'data-target="department:{loop.cgj.pk}"' in page and f'data-target="department:{loop.sthj.pk}"' in page
    only = c.get(f"/command/supervision/?target=department:{loop.cgj.pk}&kind=supervise&outcome=open"
                 f"&month={timezone.localtime():%Y-%m}").content.decode()
    assert e1.number in only and e2.number not in only
    assert e1.number not in c.get("/command/supervision/?outcome=late").content.decode()
    for q in ("month=bad&target=x:1&kind=zz", "month=9999-12", "outcome=overdue&target=area:99999999"):
        assert c.get(f"/command/supervision/?{q}").status_code == 200, q
    assert client_for(loop.cgj_staff).get("/command/supervision/").status_code == 403
    assert client_for(people.grid_worker).get("/command/supervision/").status_code == 403
    r = client_for(None).get("/command/supervision/")
    assert r.status_code == 302 and "/login/" in r.url


def test_log_page_lists_ladder_entries_for_the_district(tree, people, loop, client_for):
    event = dispatched(tree, people, loop)
    climb(timezone.now(), rungs=1)
    page = client_for(people.district_admin).get("/command/supervision/").content.decode()
    assert page.count(f"/events/{event.number}/") == 2  # the sign-for and handling clocks' 催办


def test_nav_links_the_log_for_the_command_center_only(tree, people, loop, client_for):
    assert 'href="/command/supervision/"' in client_for(people.town_operator).get("/command/").content.decode()
    assert 'href="/command/supervision/"' not in client_for(loop.cgj_staff).get("/dept/").content.decode()


def test_department_workbench_shows_entries_addressed_to_it(tree, people, loop, client_for):
    e = dispatched(tree, people, loop)
    supervision_issue(actor=people.town_operator, event=e, assignment=e.assignments.get(), note="请今天签收")
    page = client_for(loop.cgj_staff).get("/dept/").content.decode()
    assert 'id="d-supervision"' in page and "请今天签收" in page and f"/events/{e.number}/" in page
    other = client_for(loop.sthj_staff).get("/dept/").content.decode()
    assert 'id="d-supervision"' not in other
