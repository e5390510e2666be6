"""The search page (/events/, 查找事件): every staff role reaches it from the navigation and finds
the events of its scope with the filter form; bad filters are shown on the page (never a 500); an
area outside the scope is a 404; the Excel export of the current filters; and the command
center's queue of the grids' and communities' work, whose count is the map's figure."""

from __future__ import annotations

import io
import re

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.events.models import Event
from jiewang.events.testing import make_event

G1 = (106.05, 29.2)  # 甲社区第1网格
G2 = (106.2, 29.2)  # 甲社区第2网格
G3 = (106.3, 29.2)  # 乙社区第1网格
G4 = (106.7, 29.5)  # 丙村第1网格 (another district)


def listed(html: str) -> list[str]:
    """The event numbers of the result list, in page order."""
    return re.findall(r'<li class="result[^"]*" data-number="([^"]+)"', html)


def get(client, url):
    r = client.get(url)
    assert r.status_code == 200, (r.status_code, r.content[:300])
    return r.content.decode()


@pytest.fixture
def events(tree, people, loop):
    mk = lambda state, **kw: make_event(tree, people, loop, state, **kw)  # noqa: E731
    return {
        "g1": mk("reported", title="桥下垃圾"),
        "g2": mk("reported", at=G2, level="community", title="第二网格 垃圾"),
        "town": mk("handling", at=G3, level="town", title="路灯不亮"),
        "far": mk("reported", at=G4, title="南区 垃圾"),
    }


@pytest.mark.django_db
def test_every_staff_role_reaches_the_page_from_the_navigation(people, client_for):
    for name in ("grid_worker", "community_staff", "town_operator", "town_leader", "department_staff",
                 "district_admin", "admin"):
        html = get(client_for(getattr(people, name)), "/events/")
        assert '<a href="/events/" aria-current="page">查找事件</a>' in html, name
        assert "<h1>查找事件</h1>" in html
        # the workspace stays the role's home
        home = client_for(getattr(people, name)).get("/")
        assert home.status_code == 302 and home["Location"] != "/events/", name
    # residents and people without a role: not here, not in their navigation
    for user in (people.resident, people.nobody):
        assert client_for(user).get("/events/").status_code == 403
        assert 'href="/events/"' not in client_for(user).get("/report/").content.decode()
    r = client_for(None).get("/events/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.mark.django_db
def test_the_page_lists_the_scoped_results_with_their_count(events, people, client_for):
    e = events
    gw = get(client_for(people.grid_worker), "/events/")
    assert listed(gw) == [e["g1"].number]
    assert "共找到 1 件事件" in gw and f'href="/events/{e["g1"].number}/"' in gw
    op = client_for(people.town_operator)
    assert listed(get(op, "/events/")) == [e["town"].number, e["g2"].number, e["g1"].number]
    assert listed(get(op, "/events/?q=垃圾&status=reported&status=accepted")) == [e["g2"].number, e["g1"].number]
    assert listed(get(op, "/events/?q=垃圾+桥下")) == [e["g1"].number]
    assert e["town"].level == "department"
    assert listed(get(op, "/events/?level=department")) == [e["town"].number]
    assert listed(get(op, "/events/?level=town")) == []
    assert listed(get(op, f"/events/?area_id={e['g2'].grid_id}")) == [e["g2"].number]
    assert listed(get(op, f"/events/?number={e['town'].number}")) == [e["town"].number]
    empty = get(op, "/events/?q=不存在的词")
    assert listed(empty) == [] and "没有符合条件的事件。" in empty and "导出 Excel" not in empty
    # the form keeps what was asked
    html = get(op, "/events/?q=垃圾&status=reported&overdue=true&sort=oldest")
    assert 'value="垃圾"' in html and 'value="reported" checked' in html and 'value="oldest" selected' in html
    assert 'name="overdue" value="true" checked' in html


@pytest.mark.django_db
def test_pages_of_results(tree, people, loop, client_for):
    made = [make_event(tree, people, loop, "reported", title=f"事件{i}") for i in range(5)]
    c = client_for(people.community_staff)
    p1 = get(c, "/events/?sort=oldest&page_size=2")
    assert listed(p1) == [m.number for m in made[:2]]
    assert "第 1 页，共 3 页" in p1 and 'rel="next" href="?sort=oldest&amp;page_size=2&amp;page=2"' in p1
    assert 'rel="prev"' not in p1
    p3 = get(c, "/events/?sort=oldest&page_size=2&page=3")
    assert listed(p3) == [made[4].number] and 'rel="next"' not in p3 and 'rel="prev"' in p3


@pytest.mark.django_db
def test_bad_filters_are_shown_on_the_page_and_an_area_outside_the_scope_is_a_404(events, tree, people, client_for):
    gw = client_for(people.grid_worker)
    for query, text in (("reported_from=2026-02-30", "请按 YYYY-MM-DD 格式填写日期。"),
                        ("reported_from=2026-11-09&reported_to=2026-11-01", "开始日期晚于结束日期。"),
                        ("category=NOPE", "未知的事项类别。"),
                        ("status=lost", "部分筛选条件无效"),
                        ("page=0", "部分筛选条件无效"),
                        ("area_id=abc", "部分筛选条件无效")):
        r = gw.get("/events/?" + query)
        assert r.status_code == 422, query
        html = r.content.decode()
        assert text in html and listed(html) == [], query
    for area in (tree.g2, tree.c2, tree.t3):
        assert gw.get(f"/events/?area_id={area.id}").status_code == 404
        assert gw.get(f"/events/export.xlsx?area_id={area.id}").status_code == 404


@pytest.mark.django_db
def test_export_from_the_page_is_the_current_filters(events, people, client_for, monkeypatch):
    from openpyxl import load_workbook

    op = client_for(people.town_operator)
    html = get(op, "/events/?q=垃圾")
    assert 'href="/events/export.xlsx?q=%E5%9E%83%E5%9C%BE"' in html
    before = AuditEntry.objects.count()
    r = op.get("/events/export.xlsx?q=垃圾")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "编号"
    assert [row[0] for row in rows[1:]] == [events["g2"].number, events["g1"].number]
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.latest("id").data == {"filters": {"q": "垃圾"}, "rows": 2}
    # beyond the cap: back to the page with the message, nothing recorded
    from jiewang.events.services import export

    monkeypatch.setattr(export, "EXPORT_ROW_CAP", 1)
    r = op.get("/events/export.xlsx?q=垃圾", follow=True)
    html = r.content.decode()
    assert r.redirect_chain == [("/events/?q=%E5%9E%83%E5%9C%BE", 302)]
    assert "共有 2 件事件符合条件，一次最多导出 1 件" in html
    assert AuditEntry.objects.count() == before + 1


# ---- the command center: the grids' and communities' queue equals the map's figure ------------

def queue_numbers(html: str, key: str) -> list[str]:
    start = html.index(f'id="q-{key}"')
    section = html[start:html.index("</section>", start)]
    return re.findall(r'class="num" href="/events/([^"/]+)/"', section)


def queue_count(html: str, key: str) -> int:
    return int(re.search(rf'<a href="#q-{key}">[^<]*<span class="count">(\d+)</span>', html).group(1))


@pytest.mark.django_db
def test_the_issue_case_one_grid_event_is_in_the_new_queue_and_on_the_map(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported", title="网格上报")
    c = client_for(people.town_operator)
    html = get(c, "/command/")
    assert 'data-map-open>1<' in html and 'data-map-local>1<' in html
    assert queue_count(html, "local") == 1 and queue_numbers(html, "local") == [e.number]
    others = [k for k in re.findall(r'<a href="#q-([a-z]+)">', html) if k != "local"]
    assert len(others) >= 7 and all(queue_count(html, k) == 0 for k in others)
    assert c.get("/command/map/grids.json").json()["totals"] == {"open": 1, "overdue": 0, "local": 1}


@pytest.mark.django_db
def test_the_grids_queue_count_equals_the_maps_figure(tree, people, loop, client_for):
    mk = lambda state, **kw: make_event(tree, people, loop, state, **kw)  # noqa: E731
    from jiewang.events.services import actions

    accepted_here = mk("reported", level="community")
    actions.event_accept(event=accepted_here, actor=people.admin)  # accepted by the community
    local = [mk("reported"), mk("grid_handling", at=G2), mk("grid_feedback"), mk("reported", level="community", at=G3),
             Event.objects.get(pk=accepted_here.pk)]
    assert local[-1].status == "accepted" and local[-1].level == "community"
    late = local[1]
    Event.objects.filter(pk=late.pk).update(is_overdue=True)
    mk("grid_closed")  # ended: in neither
    mk("handling", level="town")  # held by the town: on the map, not in this queue
    mk("reported", at=G4)  # another district
    for user, expected in ((people.town_operator, 5), (people.district_admin, 5), (people.other_district_admin, 1)):
        c = client_for(user)
        html = get(c, "/command/")
        totals = c.get("/command/map/grids.json").json()["totals"]
        assert queue_count(html, "local") == totals["local"] == expected, user
        assert f"data-map-local>{expected}<" in html
    html = get(client_for(people.town_operator), "/command/")
    assert queue_numbers(html, "local")[0] == late.number  # overdue first
    assert sorted(queue_numbers(html, "local")) == sorted(e.number for e in local)
    assert 'data-map-open>6<' in html
    # the grid's own handling is not the center's "in progress" too
    assert local[1].number not in queue_numbers(html, "progress")
    # filters narrow both alike
    c = client_for(people.town_operator)
    html = get(c, f"/command/?grid={tree.g2.id}")
    assert queue_count(html, "local") == c.get(f"/command/map/grids.json?grid={tree.g2.id}").json()["totals"]["local"] == 1


@pytest.mark.django_db
def test_the_page_reads_a_bounded_number_of_queries(tree, people, loop, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(people.district_admin)
    make_event(tree, people, loop, "reported", title="第一件")
    get(c, "/events/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            html = get(c, "/events/?category=LS")
        return len(ctx.captured_queries), len(listed(html))

    few, rows = count()
    assert rows == 1
    for i in range(8):
        make_event(tree, people, loop, "handling", at=(G2, G3, G1)[i % 3], level="town", title=f"更多{i}")
    assert count() == (few, 9)
