"""Whistles through the center on the pages: the grid's event page offers the request (and the
direct whistle only where the district allows it), shows the request and its state; the command
center's queue of whistle requests approves with the requested departments pre-ticked; the
summoning level rates each department's report-in from the event page (and the command center's
queue), and the page shows the rating afterwards; /manage/whistles/ sets the district's policy."""

from __future__ import annotations

import re

import pytest

from jiewang.dispatching.models import Whistle, WhistlePolicy, WhistleRequest, WhistleSummons
from jiewang.dispatching.services import whistle_requests as rsvc
from jiewang.dispatching.services import whistles as wsvc
from jiewang.events.models import Event
from jiewang.events.testing import make_event

pytestmark = pytest.mark.django_db


def offered(html: str) -> list[str]:
    return re.findall(r'<form[^>]*data-action="([a-z_]+)"', html)


def page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.status_code
    return r.content.decode()


def section(html: str, key: str) -> str:
    start = html.index(f'id="q-{key}"')
    return html[start:html.index("</section>", start)]


def post(client, event, action, data):
    body = {"surface": "event_page", "expected_version": Event.objects.get(pk=event.pk).version, **data}
    r = client.post(f"/events/{event.number}/do/{action}/", body)
    assert r.status_code == 302, r.status_code
    return [(m.level_tag, str(m)) for m in r.wsgi_request._messages]


def test_the_grid_asks_the_center_unless_its_district_lets_it_whistle(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "handling", level="town")
    grid = client_for(people.grid_worker)
    names = offered(page(grid, f"/events/{e.number}/"))
    assert "request_whistle" in names and "whistle" not in names
    assert "whistle" in offered(page(client_for(people.town_operator), f"/events/{e.number}/"))
    WhistlePolicy.objects.create(district=tree.d1, direct_whistle_allowed=True)
    names = offered(page(grid, f"/events/{e.number}/"))
    assert "request_whistle" in names and "whistle" in names
    # the request from the page; the page then shows it, pending, and offers no second request
    msgs = post(grid, e, "request_whistle", {"department_ids": [str(loop.cgj.pk)], "problem": "需城管到场"})
    assert msgs and msgs[0][0] == "success", msgs
    req = WhistleRequest.objects.get()
    html = page(grid, f"/events/{e.number}/")
    assert f'data-whistle-request="{req.pk}" data-status="pending"' in html and "需城管到场" in html
    names = offered(html)
    assert "request_whistle" not in names and "withdraw_whistle_request" in names


def test_the_center_approves_from_its_queue_with_an_edited_list(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "handling", level="town")
    req = rsvc.whistle_request_create(event=e, actor=people.community_staff, departments=[loop.cgj],
                                      problem="楼道堆物", urgent=True)
    op = client_for(people.town_operator)
    q = section(page(op, "/command/"), "whistle-requests")
    assert f'data-whistle-request="{req.pk}"' in q and "楼道堆物" in q
    assert 'data-action="approve_whistle_request"' in q and 'data-action="decline_whistle_request"' in q
    # the requested department is ticked, the other one offered
    assert re.search(rf'name="department_ids" value="{loop.cgj.pk}" checked', q)
    assert re.search(rf'name="department_ids" value="{loop.sthj.pk}">', q)
    msgs = post(op, e, "approve_whistle_request", {"whistle_request_id": req.pk, "surface": "command",
                                                   "department_ids": [str(loop.cgj.pk), str(loop.sthj.pk)],
                                                   "problem": "楼道堆物", "urgent": "1"})
    assert msgs and msgs[0][0] == "success", msgs
    w = Whistle.objects.get()
    assert sorted(w.summonses.values_list("department_id", flat=True)) == sorted([loop.cgj.pk, loop.sthj.pk])
    assert WhistleRequest.objects.get().status == "approved"
    assert f'data-whistle-request="{req.pk}"' not in section(page(op, "/command/"), "whistle-requests")
    html = page(client_for(people.community_staff), f"/events/{e.number}/")
    assert f'data-whistle-request="{req.pk}" data-status="approved"' in html


def test_the_center_declines_from_the_event_page(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "handling", level="town")
    req = rsvc.whistle_request_create(event=e, actor=people.grid_worker, departments=[loop.cgj], problem="噪音")
    op = client_for(people.town_operator)
    msgs = post(op, e, "decline_whistle_request", {"whistle_request_id": req.pk, "comment": ""})
    assert msgs and msgs[0][0] == "error"
    assert WhistleRequest.objects.get().status == "pending"
    post(op, e, "decline_whistle_request", {"whistle_request_id": req.pk, "comment": "街道自行处理"})
    html = page(client_for(people.grid_worker), f"/events/{e.number}/")
    assert f'data-whistle-request="{req.pk}" data-status="declined"' in html and "街道自行处理" in html


def test_the_summoning_level_rates_each_report_in_on_the_page(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "handling", level="town")
    w = wsvc.whistle_blow(event=e, actor=people.town_operator, departments=[loop.cgj, loop.sthj], problem="联合执法")
    cgj = w.summonses.get(department=loop.cgj)
    op, grid = client_for(people.town_operator), client_for(people.grid_worker)
    assert "rate_summons" not in offered(page(op, f"/events/{e.number}/"))  # nobody reported in yet
    wsvc.summons_report_in(summons=cgj, actor=loop.cgj_staff, responder_name="王队长")
    html = page(op, f"/events/{e.number}/")
    assert offered(html).count("rate_summons") == 1  # the one that reported in
    assert f'name="summons_id" value="{cgj.pk}"' in html
    assert "rate_summons" not in offered(page(grid, f"/events/{e.number}/"))  # not the summoning level
    # the command center's queue of report-ins to rate holds it too
    q = section(page(op, "/command/"), "ratings")
    assert f'data-rating-summons="{cgj.pk}"' in q and 'data-action="rate_summons"' in q
    msgs = post(op, e, "rate_summons", {"summons_id": cgj.pk, "attended": "1", "rating": "4",
                                        "comment": "迟到五分钟，处置得力"})
    assert msgs and msgs[0][0] == "success", msgs
    cgj = WhistleSummons.objects.get(pk=cgj.pk)
    assert (cgj.rating, cgj.attended, cgj.rating_comment, cgj.rated_by_id) == (
        4, True, "迟到五分钟，处置得力", people.town_operator.pk)
    html = page(op, f"/events/{e.number}/")
    assert "rate_summons" not in offered(html)
    assert 'data-rating="4"' in html and "迟到五分钟，处置得力" in html
    assert f'data-rating-summons="{cgj.pk}"' not in section(page(op, "/command/"), "ratings")


def test_manage_whistles(tree, people, client_for):
    assert client_for(people.town_leader).get("/manage/whistles/").status_code == 403
    admin = client_for(people.district_admin)
    html = page(admin, "/manage/whistles/")
    assert f'data-district="{tree.d1.pk}"' in html and f'data-district="{tree.d2.pk}"' not in html
    r = admin.post("/manage/whistles/", {"district": tree.d1.pk, "version": "", "direct": "1"})
    assert r.status_code == 302
    p = WhistlePolicy.objects.get(district=tree.d1)
    assert (p.direct_whistle_allowed, p.version) == (True, 2)
    # a stale form changes nothing
    admin.post("/manage/whistles/", {"district": tree.d1.pk, "version": "1", "direct": "0"})
    assert WhistlePolicy.objects.get(district=tree.d1).direct_whistle_allowed is True
    # another district's: not found, nothing written
    admin.post("/manage/whistles/", {"district": tree.d2.pk, "version": "", "direct": "1"})
    assert not WhistlePolicy.objects.filter(district=tree.d2).exists()
    assert "/manage/whistles/" in page(admin, "/manage/")
