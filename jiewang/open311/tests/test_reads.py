"""The fast reads of GET requests held equal to the ORM: every kind of event rendered byte for byte
as the ORM-based code rendered it before (kept below as the reference), the XML writer equal to
ElementTree's, and a constant number of statements per page."""

import datetime as dt
import json
import random
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiewang.accounts.models import Board, Post
from jiewang.dispatching.models import Assignment
from jiewang.events.models import Event, EventActivity, EventPhoto, MatterCategory
from jiewang.events.services import actions
from jiewang.events.services.intake import event_report
from jiewang.open311 import selectors, serializers
from jiewang.open311.models import Submission

BASE = "/open311/v2"


# ---- the reference: the ORM-based shaping and ElementTree rendering these reads replaced ------

def ref_iso(value):
    return None if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def ref_notes(event):
    out = []
    for a in event.public_activities:
        comment = "" if a.action in selectors.PRIVATE_COMMENT_ACTIONS else a.comment.strip()
        out.append((a.at, comment or selectors.NOTE_LABELS[a.action], a.action))
    return out


def ref_status_notes(event):
    for a in reversed(event.public_activities):
        if a.action not in selectors.PRIVATE_COMMENT_ACTIONS and a.comment.strip():
            return a.comment.strip()
    return ""


def ref_agency(event):
    if event.lead_assignments:
        a = event.lead_assignments[0]
        return a.department.name if a.department_id else a.post.name
    if event.level == "grid" and event.grid_id:
        return event.grid.name
    if event.level == "community" and event.community_id:
        return event.community.name
    if event.level == "district" and event.town.parent_id:
        return event.town.parent.name
    return event.town.name


def ref_request_out(event, base="http://testserver"):
    notes = ref_notes(event)
    status = selectors.open311_status(event.status)
    media_url = None
    if event.photo_list:
        media_url = base + event.photo_list[0].file.url
    else:
        sub = getattr(event, "open311_submission", None)
        if sub is not None and sub.media_url:
            media_url = sub.media_url
    return {
        "service_request_id": event.number, "status": status, "status_notes": ref_status_notes(event) or None,
        "service_name": event.category.name, "service_code": event.category.code, "description": event.description,
        "agency_responsible": ref_agency(event), "service_notice": None, "requested_datetime": ref_iso(event.reported_at),
        "updated_datetime": ref_iso(notes[-1][0] if notes else event.reported_at),
        "expected_datetime": ref_iso(event.due_at) if status == "open" else None, "address": event.address or None,
        "address_id": None, "zipcode": None, "lat": event.lat, "long": event.lon, "media_url": media_url,
        "detailed_status": event.status, "title": event.title,
        "notes": [{"datetime": ref_iso(at), "description": d, "type": t} for at, d, t in notes],
    }


def ref_xml(root, payload) -> bytes:
    def fill(element, value):
        if isinstance(value, dict):
            for key, child in value.items():
                fill(ET.SubElement(element, key), child)
        elif isinstance(value, list):
            item = serializers.ITEM_NAMES.get(element.tag, "item")
            for child in value:
                fill(ET.SubElement(element, item), child)
        elif value is None:
            element.text = None
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        else:
            element.text = serializers.XML_ILLEGAL.sub("", str(value))

    element = ET.Element(root)
    fill(element, payload)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def ref_body(fmt, events) -> bytes:
    payload = [ref_request_out(e) for e in events]
    if fmt == "xml":
        return ref_xml("service_requests", payload)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---- data: every kind of request ---------------------------------------------------------------

def build_city_of_events(tree, people):
    """Events of every channel, status, level and shape that changes a request's rendering."""
    admin = people.admin
    cat = {c.code: c for c in MatterCategory.objects.filter(code__in=["LS01", "LS03", "SL02", "EC01"])}
    at = timezone.now() - dt.timedelta(days=10)
    made = []

    def report(channel, title, code="LS01", **kw):
        nonlocal at
        at += dt.timedelta(minutes=7)
        attrs = {"structure": "roof"} if code == "SL02" else None
        e = event_report(actor=None, channel=channel, category=cat[code], lon=106.05, lat=29.2, title=title,
                         attributes=attrs, **kw)[0]
        Event.objects.filter(pk=e.pk).update(reported_at=at)
        EventActivity.objects.filter(event=e).update(at=at)
        made.append(e.pk)
        return Event.objects.get(pk=e.pk)

    get = lambda e: Event.objects.get(pk=e.pk)  # noqa: E731
    report("resident_web", "网上 & <标签>", description="响铃\x07字符 & <b>粗</b> > 完", address="幸福路 8 号")
    report("hotline", "热线", code="LS03")
    report("patrol", "巡查（不公开）")
    report("sensor", "感知（不公开）")
    e = report("open311", "接口带链接")
    Submission.objects.create(event=e, api_key=_api_key(), body_sha256="0" * 64, media_url="https://x.example/a.jpg",
                              email="a@b.example", device_id="dev")
    e = report("open311", "接口无链接")
    Submission.objects.create(event=e, api_key=_api_key(), body_sha256="1" * 64)
    voided = report("resident_web", "作废")
    actions.event_void(event=voided, actor=admin, reason="无效上报")
    # at the community, the town, the district
    e = report("resident_web", "社区")
    actions.event_escalate(event=e, actor=admin, reason="  需社区协调  ")
    e = report("hotline", "镇街")  # a hotline report starts at the town
    EventActivity.objects.create(event=e, action="accept", comment="   ", at=timezone.now())  # blank: the name
    e = report("hotline", "区县")
    Event.objects.filter(pk=e.pk).update(level="district")
    # accepted and dispatched, two photos (the older one is the media URL), a submission that loses
    e = report("open311", "派遣", code="SL02")
    Submission.objects.create(event=e, api_key=_api_key(), body_sha256="2" * 64, media_url="https://x.example/b.jpg")
    actions.event_escalate(event=e, actor=admin, reason="报社区")
    actions.event_escalate(event=get(e), actor=admin, reason="报镇街")
    actions.event_accept(event=get(e), actor=admin, comment="立案")
    from jiewang.dispatching.services.assignments import event_dispatch

    event_dispatch(event=get(e), actor=admin, lead=people.department, instructions="请城管主办")
    t0 = timezone.now()
    for i, name in enumerate(["events/2026/01/second.png", "events/2026/01/first.png"]):
        EventPhoto.objects.create(event=e, kind="before", file=name, content_type="image/png", size=1,
                                  sha256=str(i) * 64, uploaded_at=t0 - dt.timedelta(minutes=i))
    # a later lead assignment to a post wins over the department's
    e2 = report("resident_web", "岗位主办", code="EC01")
    board = Board.objects.create(town=tree.t1, kind="safety", name="平安法治板块")
    post = Post.objects.create(board=board, name="综治岗")
    Assignment.objects.create(event=e2, department=people.department, role="lead", status="returned",
                              dispatched_at=t0 - dt.timedelta(hours=2))
    Assignment.objects.create(event=e2, post=post, role="lead", dispatched_at=t0 - dt.timedelta(hours=1))
    Assignment.objects.create(event=e2, department=people.other_department, role="assist", dispatched_at=t0)
    # closed on the spot, then rated with a private comment
    e = report("resident_web", "办结")
    actions.event_self_handle(event=e, actor=admin)
    actions.event_close_on_spot(event=get(e), actor=admin, comment="已清运")
    # an old one, outside the default window
    e = report("hotline", "旧的")
    Event.objects.filter(pk=e.pk).update(reported_at=timezone.now() - dt.timedelta(days=120))
    # a private return-visit comment and a hidden internal step
    e = report("resident_web", "回访")
    EventActivity.objects.create(event=e, action="visit", comment="张先生 13912345678", at=timezone.now())
    EventActivity.objects.create(event=e, action="supervise", comment="催办", at=timezone.now())
    return made


_KEY = []


def _api_key():
    if not _KEY or not type(_KEY[0]).objects.filter(pk=_KEY[0].pk).exists():
        from jiewang.open311.services import api_key_create

        _KEY[:] = [api_key_create(actor=None, name="test")[0]]
    return _KEY[0]


@pytest.mark.django_db
def test_reads_equal_the_orm_reference_byte_for_byte(client, tree, people, catalog):
    build_city_of_events(tree, people)
    visible = list(selectors.public_requests())
    assert len(visible) == 12  # 15 reported, 2 internal channels and 1 voided left out
    now = timezone.now()
    for e in visible:
        for fmt in ("json", "xml"):
            got = client.get(f"{BASE}/requests/{e.number}.{fmt}")
            assert got.status_code == 200
            assert got.content == ref_body(fmt, [e]), (e.title, fmt)
    recent = [e for e in visible if e.reported_at >= now - dt.timedelta(days=90)]
    ls01 = [e for e in recent if e.category.code in ("LS01", "SL02")]
    cases = [
        ({}, recent),
        ({"page_size": "3", "page": "2"}, recent[3:6]),
        ({"status": "open"}, [e for e in recent if selectors.open311_status(e.status) == "open"]),
        ({"status": "closed"}, [e for e in recent if selectors.open311_status(e.status) == "closed"]),
        ({"service_code": "LS01,SL02"}, ls01),
        ({"start_date": (now - dt.timedelta(days=200)).isoformat()},
         [e for e in visible if e.reported_at < now - dt.timedelta(days=90)]),
        ({"service_request_id": ",".join(e.number for e in visible[::2]) + ",nope"}, visible[::2]),
    ]
    for params, expected in cases:
        assert expected, params
        for fmt in ("json", "xml"):
            got = client.get(f"{BASE}/requests.{fmt}", params)
            assert got.status_code == 200
            assert got.content == ref_body(fmt, expected), (params, fmt)
    # what the data holds shows in the answers (the reference is not trivially empty)
    by_title = {r["title"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert by_title["派遣"]["media_url"] == "http://testserver/media/events/2026/01/first.png"
    assert by_title["派遣"]["agency_responsible"] == "北区城市管理局"
    assert by_title["岗位主办"]["agency_responsible"] == "综治岗"
    assert by_title["接口带链接"]["media_url"] == "https://x.example/a.jpg"
    assert by_title["接口无链接"]["media_url"] is None
    assert by_title["区县"]["agency_responsible"] == "北区"
    assert by_title["镇街"]["agency_responsible"] == "一街道"
    assert by_title["社区"]["agency_responsible"] == "甲社区"
    assert by_title["社区"]["status_notes"] == "需社区协调"
    assert by_title["回访"]["notes"][-1]["description"] == "回访"
    assert by_title["办结"]["status"] == "closed" and by_title["办结"]["expected_datetime"] is None


def test_xml_writer_equals_elementtree():
    rng = random.Random(7)
    texts = ["", " ", "a & b", "<x>", "]]>", "\x00\x07\x1f", "中文\ufffe", "'\"", "\r\n\t", "&amp;", "\x0b\x0c"]

    def value(depth):
        k = rng.random()
        if depth > 2 or k < 0.5:
            return rng.choice([None, True, False, 0, 7, -1.5, 29.2, *texts, rng.choice(texts) + rng.choice(texts)])
        if k < 0.75:
            return {f"k{i}": value(depth + 1) for i in range(rng.randint(0, 4))}
        return [value(depth + 1) for _ in range(rng.randint(0, 3))]

    for _ in range(300):
        root = rng.choice(["service_requests", "services", "errors", "service_definition"])
        payload = value(0)
        assert serializers.to_xml(root, payload) == ref_xml(root, payload), payload
    for root in ("notes", "attributes", "values"):  # the item names of nested lists
        payload = [{"a": "x"}, [], "t"]
        assert serializers.to_xml(root, payload) == ref_xml(root, payload)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_pages_of_100_and_1000_take_two_statements(client, tree, people, catalog, fmt):
    """Two statements whatever the page holds: the rows, then their notes."""
    ls01 = MatterCategory.objects.get(code="LS01")

    def count(params):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"{BASE}/requests.{fmt}", params)
            assert r.status_code == 200
        return len(ctx), r

    report = lambda i: event_report(actor=None, channel="hotline", category=ls01, lon=106.05,  # noqa: E731
                                    lat=29.2, title=f"第{i}处")[0]
    first = report(0)
    assert count({})[0] == 2
    for i in range(1, 1000):
        report(i)
    Event.objects.filter(pk=first.pk).update(level="community")
    EventPhoto.objects.create(event=first, kind="before", file="events/a.png", content_type="image/png", size=1,
                              sha256="0" * 64)
    for params, rows in (({"page_size": "100"}, 100), ({}, 1000), ({"page_size": "100", "page": "10"}, 100)):
        n, r = count(params)
        assert n == 2, params
        got = len(r.json()) if fmt == "json" else len(ET.fromstring(r.content).findall("request"))
        assert got == rows
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"{BASE}/requests/{first.number}.{fmt}").status_code == 200
    assert len(ctx) == 2
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"{BASE}/requests/nope.{fmt}").status_code == 404
    assert len(ctx) == 1


@pytest.mark.django_db
def test_the_listing_statement_repeats_the_partial_index_condition():
    """SQLite uses a partial index only when the query states its condition: the listing's
    condition is the index's, as Django writes it into the migration."""
    index = next(i for i in Event._meta.indexes if i.name == "event_public_recent_idx")
    editor = connection.SchemaEditorClass(connection, collect_sql=True)  # not entered: only compiles
    sql = str(index.create_sql(Event, editor))
    condition = sql.split(" WHERE ", 1)[1]
    assert condition == "(" + selectors.VISIBLE_SQL.replace('"events_event".', "") + ")"
    with connection.cursor() as c:
        statement = selectors._page_sql(connection.vendor, (False, False, True, True, ""))
        params = [connection.ops.adapt_datetimefield_value(timezone.now())] * 2 + [100, 0]
        if connection.vendor == "sqlite":
            c.execute("EXPLAIN QUERY PLAN " + statement, params)
            plan = " ".join(str(row[-1]) for row in c.fetchall())
            assert "event_public_recent_idx" in plan, plan


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe",
                                  "Europe/London", "UTC"])
def test_local_iso_equals_localtime_around_every_transition(zone):
    """The per-hour shortcut gives what timezone.localtime(...).isoformat(timespec="seconds")
    gives, also in hours where the offset changes and in zones whose offset is not whole hours."""
    import zoneinfo

    tz = zoneinfo.ZoneInfo(zone)
    iso = serializers.LocalISO(tz)
    rng = random.Random(zone)
    start = dt.datetime(1985, 1, 1)
    instants = [start + dt.timedelta(seconds=rng.randrange(0, 45 * 365 * 86400), microseconds=rng.randrange(10**6))
                for _ in range(3000)]
    # every minute of two days around each DST change of 2026 (and Nepal's 1986 change to +05:45)
    for day in (dt.datetime(2026, 3, 7), dt.datetime(2026, 3, 28), dt.datetime(2026, 4, 4), dt.datetime(2026, 10, 3),
                dt.datetime(2026, 10, 24), dt.datetime(2026, 10, 31), dt.datetime(1985, 12, 31)):
        instants += [day + dt.timedelta(minutes=m, seconds=17) for m in range(0, 2 * 24 * 60 + 60)]
    for value in instants:
        text = str(value)  # the UTC text the statements return ("YYYY-MM-DD HH:MM:SS[.ffffff]")
        expected = timezone.localtime(value.replace(tzinfo=dt.UTC), tz).isoformat(timespec="seconds")
        assert iso(text) == expected, text
