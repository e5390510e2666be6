"""Rough edges of the workspaces after issue 9: the grid worker's own whistle requests on /grid/,
a board leader's /dept/ without the departments' whistle section, "我的反映" in the navigation
of residents and anonymous visitors, Leaflet's zoom buttons in the page's language."""

from __future__ import annotations

import re

import pytest

from jiewang.accounts.choices import Role
from jiewang.accounts.models import Post, RoleGrant, User
from jiewang.dispatching.models import WhistleRequest
from jiewang.dispatching.services import whistle_requests as rsvc
from jiewang.events.testing import make_event

pytestmark = pytest.mark.django_db


def page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.status_code
    return r.content.decode()


def section(html: str, heading_id: str) -> str:
    start = html.rindex("<section", 0, html.index(f'id="{heading_id}"'))
    return html[start:html.index("</section>", start)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def main_nav(html: str) -> list[tuple[str, str, bool]]:
    """(href, label, current) of the top navigation's workspace links (not the inbox, areas, sign-in)."""
    nav = html[html.index('<nav aria-label="主导航"'):html.index("</nav>")]
    return [(href, label, bool(cur)) for href, cur, label in
            re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
            if href not in ("/inbox/", "/areas/", "/login/", "/admin/")]


# ---- 1. the grid worker's own whistle requests ------------------------------------------------------
def test_the_grid_lists_the_workers_own_whistle_requests_and_their_state(tree, people, loop, client_for):
    pending_event = make_event(tree, people, loop, "handling", level="town")
    declined_event = make_event(tree, people, loop, "handling", level="town")
    others_event = make_event(tree, people, loop, "handling", level="town")
    pending = rsvc.whistle_request_create(event=pending_event, actor=people.grid_worker, departments=[loop.cgj],
                                          problem="占道经营需城管到场", urgent=True)
    declined = rsvc.whistle_request_create(event=declined_event, actor=people.grid_worker, departments=[loop.cgj],
                                           problem="楼道堆物")
    rsvc.whistle_request_decline(request=declined, actor=people.town_operator, reason="社区可自行处理")
    rsvc.whistle_request_create(event=others_event, actor=people.community_staff, departments=[loop.cgj],
                                problem="别人的申请")

    mine = section(page(client_for(people.grid_worker), "/grid/"), "h-whistle-requests")
    assert [(int(pk), st) for pk, st in re.findall(r'data-whistle-request="(\d+)" data-status="(\w+)"', mine)] \
        == [(pending.pk, "pending"), (declined.pk, "declined")]
    assert text(mine).startswith("我的吹哨申请 (2)")
    assert f'href="/events/{pending_event.number}/"' in mine and f'href="/events/{declined_event.number}/"' in mine
    assert "待中心审批" in text(mine) and "紧急" in text(mine) and "占道经营需城管到场" in mine
    assert "中心不予吹哨" in text(mine) and "不予吹哨的原因: 社区可自行处理" in text(mine)
    assert "别人的申请" not in mine and others_event.number not in mine

    # community staff see their own request only; someone without any sees a sentence
    staff = section(page(client_for(people.community_staff), "/grid/"), "h-whistle-requests")
    assert "别人的申请" in staff and "占道经营需城管到场" not in staff
    WhistleRequest.objects.all().delete()
    empty = section(page(client_for(people.grid_worker), "/grid/"), "h-whistle-requests")
    assert text(empty) == "我的吹哨申请 (0) 您还没有向指挥中心申请吹哨。可在事件页面提出申请。"


# ---- 2. a board leader's workbench -------------------------------------------------------------------
def test_a_board_leaders_workbench_has_no_whistle_section_and_a_sensible_nav(tree, people, client_for):
    from jiewang.accounts.services import board_seed_town

    board_seed_town(actor=None, town=tree.t1)
    board = Post.objects.get(board__town=tree.t1, name="综合执法大队").board
    leader = User.objects.create(username="safety_leader", display_name="safety_leader")
    RoleGrant.objects.create(user=leader, role=Role.BOARD_LEADER, area=tree.t1, board=board)
    html = page(client_for(leader), "/dept/")
    assert 'id="d-whistles"' not in html and 'href="#d-whistles"' not in html and "待报到的吹哨" not in html
    assert 'id="board-intro"' in html and 'href="/command/tasks/new/"' in html
    assert [(h, label) for h, label, _cur in main_nav(html)] == [
        ("/dept/", "承办工作台"), ("/events/", "查找事件"), ("/admission/", "职责事项准入"), ("/report/", "我要反映")]
    assert page(client_for(leader), "/command/tasks/new/")  # the button leads to a page it may use
    # a department's staff are summoned by whistles: they keep the section; no board intro
    dept = page(client_for(people.department_staff), "/dept/")
    assert 'id="d-whistles"' in dept and 'href="#d-whistles"' in dept and 'id="board-intro"' not in dept


# ---- 3. 我的反映 in the navigation ----------------------------------------------------------------------
def test_residents_and_anonymous_visitors_reach_my_reports_from_the_navigation(people, client_for):
    for who in (None, people.resident, people.nobody):
        c = client_for(who)
        # signed-in residents (and people without a role) also have the wish board (微心愿)
        wishes = [] if who is None else [("/party/wishes/", "微心愿", False)]
        assert main_nav(page(c, "/report/")) == [("/report/", "我要反映", True), ("/report/mine/", "我的反映", False),
                                                 *wishes]
        assert main_nav(page(c, "/report/mine/")) == [("/report/", "我要反映", False),
                                                      ("/report/mine/", "我的反映", True), *wishes]
    # staff report problems too but have no "my reports" of a resident
    for who in (people.grid_worker, people.town_operator, people.department_staff):
        assert "/report/mine/" not in [h for h, _label, _cur in main_nav(page(client_for(who), "/report/"))]
    # the grid's report page marks "my grid" (a longer path of the section)
    assert ("/grid/", "我的网格", True) in main_nav(page(client_for(people.grid_worker), "/grid/report/"))


# ---- 4. Leaflet's zoom buttons: the titles the page passes -------------------------------------------
def test_pages_with_a_map_pass_the_zoom_titles_in_the_pages_language(tree, people, client_for):
    for who, url in ((None, "/report/"), (people.grid_worker, "/grid/report/"), (people.town_operator, "/command/")):
        html = page(client_for(who), url)
        assert re.search(r'<script src="/static/web/leaflet-lang\.js" data-zoom-in="放大" data-zoom-out="缩小" defer>',
                         html), url
        assert html.index("vendor/leaflet/leaflet.js") < html.index("web/leaflet-lang.js")
