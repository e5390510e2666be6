"""Finding any event (issue #9, item 5): the search selector through its API
(``GET /api/events/search``) and the Excel export (``GET /api/events/export``): each filter with
its exact answer, the scope of each role, the refusals (422/404/403, nothing written), the
workbook's rows and headers, the audit row, and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiewang.audit.models import AuditEntry
from jiewang.events.models import Event
from jiewang.events.testing import make_event

SH = ZoneInfo("Asia/Shanghai")
G1 = (106.05, 29.2)  # 甲社区第1网格 (甲社区, 一街道, 北区)
G2 = (106.2, 29.2)  # 甲社区第2网格
G3 = (106.3, 29.2)  # 乙社区第1网格 (乙社区, 一街道)
G4 = (106.7, 29.5)  # 丙村第1网格 (三镇, 南区)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=SH)


@pytest.fixture
def world(tree, people, loop):
    """Six events with known facts (the names say where each is held)."""

    def mk(key, state, *, where=G1, level="grid", category="LS01", title, description="", reported,
           **fields):
        e = make_event(tree, people, loop, state, level=level, category=category, at=where, title=title,
                       attributes={"structure": "roof"} if category == "SL02" else None)
        Event.objects.filter(pk=e.pk).update(description=description, reported_at=reported, **fields)
        return Event.objects.get(pk=e.pk)

    return {
        "g1": mk("g1", "reported", title="桥下垃圾堆放", description="气味很大", reported=at(3),
                 reporter_phone="13912345678", reporter_name="张三"),
        "g2": mk("g2", "accepted", where=G2, level="town", category="SL02", title="违章搭建",
                 description="桥下 搭了棚子", reported=at(5, 23), urgency="urgent", channel="hotline"),
        "g3": mk("g3", "handling", where=G3, level="town", category="LS03", title="路灯不亮",
                 reported=at(6, 0), is_overdue=True, source="proactive", channel="patrol"),
        "c1": mk("c1", "reported", where=G2, level="community", title="Garbage BAGS",
                 description="near the bridge", reported=at(7)),
        "closed": mk("closed", "closed", title="已处理的垃圾", reported=at(8), channel="patrol"),
        "far": mk("far", "reported", where=G4, title="桥下垃圾 南区", reported=at(4)),
    }


def numbers(resp) -> list[str]:
    assert resp.status_code == 200, resp.content
    return [e["number"] for e in resp.json()["items"]]


def search(client, query: str = "") -> list[str]:
    return numbers(client.get("/api/events/search" + ("?" + query if query else "")))


def n(world, *keys) -> list[str]:
    return [world[k].number for k in keys]


@pytest.mark.django_db
def test_each_filter_gives_exactly_its_events(world, people, client_for):
    c = client_for(people.town_operator)  # 一街道: all but "far"
    w = world
    # newest first by default
    assert search(c) == n(w, "closed", "c1", "g3", "g2", "g1")
    # number: exact, and its beginning
    assert search(c, f"number={w['g2'].number}") == n(w, "g2")
    assert search(c, f"number={w['g2'].number[:-1]}&sort=number") == sorted(
        e.number for e in (w["g1"], w["g2"], w["g3"], w["c1"], w["closed"]) if e.number.startswith(w["g2"].number[:-1]))
    assert search(c, "number=999") == []
    # words: in the title or the description, every word required, case-insensitive
    assert search(c, "q=桥下") == n(w, "g2", "g1")
    assert search(c, "q=桥下 垃圾") == n(w, "g1")
    assert search(c, "q=垃圾 气味") == n(w, "g1")
    assert search(c, "q=garbage bridge") == n(w, "c1")
    assert search(c, "q=BAGS") == n(w, "c1")
    assert search(c, "q=100%") == []  # LIKE wildcards are literal
    # category and its subtree; board
    assert search(c, "category=LS01") == n(w, "closed", "c1", "g1")
    assert search(c, "category=LS") == n(w, "closed", "c1", "g3", "g1")
    assert search(c, "category=SL") == n(w, "g2")
    assert search(c, "board=safety") == n(w, "g2")
    assert search(c, "board=livelihood&category=SL") == []
    # several statuses
    assert search(c, "status=reported&status=accepted") == n(w, "c1", "g2", "g1")
    assert search(c, "status=closed") == n(w, "closed")
    # overdue only; false means no filter
    assert search(c, "overdue=true") == n(w, "g3")
    assert search(c, "overdue=false") == n(w, "closed", "c1", "g3", "g2", "g1")
    # channel, source, urgency, level
    assert search(c, "channel=patrol") == n(w, "closed", "g3")
    assert search(c, "channel=hotline") == n(w, "g2")
    assert search(c, "source=proactive") == n(w, "g3")
    assert search(c, "urgency=urgent") == n(w, "g2")
    assert search(c, "level=community") == n(w, "c1")
    # area subtree: a community, a grid
    assert search(c, f"area_id={people.community_staff.role_grants.get().area_id}") == n(w, "closed", "c1", "g2", "g1")
    assert search(c, f"area_id={w['c1'].grid_id}") == n(w, "c1", "g2")
    # reported between two Asia/Shanghai days, both included: 23:00 on the 5th is the 5th,
    # 00:00 on the 6th is the 6th (UTC would put both on the 5th)
    assert search(c, "reported_from=2026-11-05&reported_to=2026-11-05") == n(w, "g2")
    assert search(c, "reported_from=2026-11-06&reported_to=2026-11-07") == n(w, "c1", "g3")
    assert search(c, "reported_to=2026-11-03") == n(w, "g1")
    assert search(c, "reported_from=2026-11-08") == n(w, "closed")
    # filters combine (AND)
    assert search(c, "q=垃圾&status=reported&level=grid") == n(w, "g1")


@pytest.mark.django_db
def test_sort_and_pagination(world, people, client_for):
    c = client_for(people.town_operator)
    w = world
    assert search(c, "sort=oldest") == n(w, "g1", "g2", "g3", "c1", "closed")
    all_numbers = search(c, "sort=number")
    assert all_numbers == sorted(all_numbers)
    due = search(c, "sort=due")
    assert set(due) == set(n(w, "g1", "g2", "g3", "c1", "closed"))
    with_due = [e for e in Event.objects.filter(number__in=due) if e.due_at is not None]
    assert due[:len(with_due)] == [e.number for e in sorted(with_due, key=lambda e: (e.due_at, e.id))]
    r1 = c.get("/api/events/search?sort=oldest&page_size=2").json()
    r3 = c.get("/api/events/search?sort=oldest&page_size=2&page=3").json()
    assert (r1["total"], r1["pages"], r1["page"]) == (5, 3, 1)
    assert [e["number"] for e in r1["items"]] == n(w, "g1", "g2")
    assert [e["number"] for e in r3["items"]] == n(w, "closed")
    beyond = c.get("/api/events/search?page=9&page_size=2").json()
    assert (beyond["total"], beyond["items"]) == (5, [])


@pytest.mark.django_db
def test_scope_of_each_role(world, people, client_for, loop):
    w = world
    # a grid worker sees its grid only, even when naming its community or its town
    gw = client_for(people.grid_worker)
    assert search(gw) == n(w, "closed", "g1")
    assert search(gw, f"area_id={w['g1'].community_id}") == n(w, "closed", "g1")
    assert search(gw, f"area_id={w['g1'].town_id}&q=桥下") == n(w, "g1")
    # another grid (of its own community), another town: 404 as for a missing area
    for area_id in (w["c1"].grid_id, w["far"].grid_id, w["far"].town_id, 10**12):
        r = gw.get(f"/api/events/search?area_id={area_id}")
        assert (r.status_code, r.json()["code"]) == (404, "area.not_found"), area_id
    # community staff: its community
    assert search(client_for(people.community_staff)) == n(w, "closed", "c1", "g2", "g1")
    # department staff: the events dispatched to its department
    assert search(client_for(people.department_staff)) == n(w, "closed", "g3")
    # district administrators: their district
    assert search(client_for(people.district_admin), "q=桥下") == n(w, "g2", "g1")
    assert search(client_for(people.other_district_admin), "q=桥下") == n(w, "far")
    # no role: nothing; signed out: 401
    assert search(client_for(people.nobody)) == []
    assert client_for(None).get("/api/events/search").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("query, code, field", [
    ("reported_from=2026-13-01", "validation_failed", "reported_from"),
    ("reported_from=yesterday", "validation_failed", "reported_from"),
    ("reported_to=0001-01-01", "validation_failed", "reported_to"),
    ("reported_from=2026-11-09&reported_to=2026-11-01", "search.date_range_inverted", "reported_to"),
    ("status=lost", "validation_failed", "status"),
    ("board=army", "validation_failed", "board"),
    ("channel=pigeon", "validation_failed", "channel"),
    ("sort=random", "validation_failed", "sort"),
    ("page=0", "validation_failed", "page"),
    ("page_size=201", "validation_failed", "page_size"),
    ("area_id=0", "validation_failed", "area_id"),
    ("area_id=99999999999999999999", "validation_failed", "area_id"),
    ("category=NOPE", "search.category_unknown", "category"),
    ("q=" + "+".join("abcdefghi"), "search.too_many_words", "q"),
    ("number=" + "9" * 41, "validation_failed", "number"),
])
def test_bad_input_is_a_422_with_a_code(world, people, client_for, query, code, field):
    r = client_for(people.town_operator).get("/api/events/search?" + query)
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["code"] == code
    assert field in str(body["fields"])


@pytest.mark.django_db
def test_search_reads_a_bounded_number_of_queries(world, people, client_for, tree, loop):
    c = client_for(people.district_admin)
    c.get("/api/events/search")  # warm the session and per-process caches

    def count(query):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/api/events/search?" + query).status_code == 200
        return len(ctx.captured_queries)

    few = count("page_size=2")
    for i in range(6):
        make_event(tree, people, loop, "reported", title=f"更多事件 {i}")
    assert count("page_size=50") == few
    assert count("page_size=50&category=LS") <= few + 1  # the catalog, read once


# ---- export ------------------------------------------------------------------------------------

def workbook_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


@pytest.mark.django_db
def test_export_holds_exactly_the_search_with_chinese_headers_and_local_times(world, people, client_for):
    c = client_for(people.town_operator)
    before = AuditEntry.objects.count()
    r = c.get("/api/events/export?q=桥下&sort=oldest")
    assert r.status_code == 200, r.content
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r["Content-Disposition"].startswith('attachment; filename="events-')
    rows = workbook_rows(r.content)
    header = rows[0]
    assert header[:8] == ["编号", "标题", "描述", "类别", "大类", "板块", "状态", "办理层级"]
    assert "上报人电话" in header and "上报时间" in header
    col = {h: i for i, h in enumerate(header)}
    assert [row[0] for row in rows[1:]] == n(world, "g1", "g2")
    g1, g2 = rows[1], rows[2]
    assert (g1[col["标题"]], g1[col["描述"]], g1[col["类别"]], g1[col["大类"]]) == \
        ("桥下垃圾堆放", "气味很大", "垃圾堆放", "民生服务")
    assert (g1[col["状态"]], g1[col["办理层级"]], g1[col["网格"]], g1[col["村社"]]) == \
        ("已上报", "网格", "甲社区第1网格", "甲社区")
    # phones are masked, times are Asia/Shanghai wall-clock times
    assert g1[col["上报人"]] == "张三" and g1[col["上报人电话"]] == "139****5678"
    assert "13912345678" not in str(rows)
    assert g1[col["上报时间"]] == dt.datetime(2026, 11, 3, 10, 0)
    assert g2[col["上报时间"]] == dt.datetime(2026, 11, 5, 23, 0)
    assert (g2[col["紧急程度"]], g2[col["来源渠道"]], g2[col["板块"]]) == ("紧急", "12345热线", "平安法治")
    # one audit row with the filters and the number of rows
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor_id) == ("event.export", people.town_operator.id)
    assert entry.data == {"filters": {"q": "桥下", "sort": "oldest"}, "rows": 2}


@pytest.mark.django_db
def test_export_keeps_the_scope_and_refuses_without_writing(world, people, client_for, monkeypatch):
    gw = client_for(people.grid_worker)
    rows = workbook_rows(gw.get("/api/events/export").content)
    assert [row[0] for row in rows[1:]] == n(world, "closed", "g1")
    before = AuditEntry.objects.count()
    # an area outside the scope: 404; a bad filter: 422; no staff role: 403; signed out: 401
    r = gw.get(f"/api/events/export?area_id={world['far'].town_id}")
    assert (r.status_code, r.json()["code"]) == (404, "area.not_found")
    r = gw.get("/api/events/export?reported_from=2026-02-30")
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    for user in (people.nobody, people.resident):
        r = client_for(user).get("/api/events/export")
        assert (r.status_code, r.json()["code"]) == (403, "event.export_forbidden")
    assert client_for(None).get("/api/events/export").status_code == 401
    # more rows than the cap: a clear refusal
    from jiewang.events.services import export

    monkeypatch.setattr(export, "EXPORT_ROW_CAP", 1)
    r = gw.get("/api/events/export")
    assert (r.status_code, r.json()["code"]) == (422, "search.export_too_many")
    assert "2" in r.json()["message"] and "1" in r.json()["message"]
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_export_reads_a_bounded_number_of_queries(world, people, client_for, tree, loop):
    c = client_for(people.district_admin)
    c.get("/api/events/export")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/api/events/export").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(6):
        make_event(tree, people, loop, "handling", level="town", title=f"更多事件 {i}")
    assert count() == before
