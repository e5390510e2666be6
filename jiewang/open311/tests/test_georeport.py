"""An unmodified GeoReport v2 client against /open311/v2/: form-encoded POSTs, .json and .xml
suffixes, the spec's error bodies; plus our rules (visibility, privacy, status mapping, retries)."""

import datetime as dt
import io
import json
from unittest import mock
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiewang.events.catalog_data import CATEGORIES
from jiewang.events.models import Event, MatterCategory
from jiewang.events.services import actions
from jiewang.events.services.intake import event_report
from jiewang.open311.models import ApiKey, Submission
from jiewang.open311.services import api_key_authenticate, api_key_deactivate

BASE = "/open311/v2"
IN_G1 = {"lat": "29.2", "long": "106.05"}
YEAR = timezone.localtime().year


def post_form(client, path, pairs, **headers):
    """POST like a GeoReport client: application/x-www-form-urlencoded; charset=utf-8."""
    return client.post(f"{BASE}/{path}", data=urlencode(pairs, doseq=True),
                       content_type="application/x-www-form-urlencoded; charset=utf-8", headers=headers)


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(response.content)


def errors_json(response) -> list[dict]:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def report_sl02(client, clear, **extra):
    pairs = {"api_key": clear, "service_code": "SL02", **IN_G1, "attribute[structure]": "roof",
             "description": "楼顶新搭了一间彩钢房", "address_string": "甲社区幸福路 8 号", **extra}
    return post_form(client, "requests.json", pairs)


def age_event(number: str, days: float) -> None:
    """Move an event (and its timeline) ``days`` into the past."""
    event = Event.objects.get(number=number)
    delta = dt.timedelta(days=days)
    Event.objects.filter(pk=event.pk).update(reported_at=event.reported_at - delta)
    for a in event.activities.all():
        type(a).objects.filter(pk=a.pk).update(at=a.at - delta)


# ---- services -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_service_list_json_and_xml(client, catalog):
    r = client.get(f"{BASE}/services.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    services = r.json()
    assert len(services) == len(CATEGORIES) == 41
    # groups in catalog order (党的建设, 经济发展, 民生服务, 平安法治), then each group's order
    assert [s["service_code"] for s in services[:2]] == ["PB01", "PB02"]
    assert services[-1]["service_code"] == "SL12"
    sl02 = next(s for s in services if s["service_code"] == "SL02")
    assert sl02 == {"service_code": "SL02", "service_name": "违章搭建", "description": "", "metadata": True,
                    "type": "realtime", "keywords": "违建,搭建,加建", "group": "平安法治"}
    assert next(s for s in services if s["service_code"] == "LS01")["metadata"] is False

    # an inactive category disappears; group rows (no parent) are never services
    MatterCategory.objects.filter(code="LS01").update(is_active=False)
    codes = [s["service_code"] for s in client.get(f"{BASE}/services.json").json()]
    assert "LS01" not in codes and not {"PB", "EC", "LS", "SL"} & set(codes) and len(codes) == 40

    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == 40
    node = next(s for s in root.findall("service") if s.findtext("service_code") == "SL02")
    assert {child.tag: (child.text or "") for child in node} == {
        "service_code": "SL02", "service_name": "违章搭建", "description": "", "metadata": "true",
        "type": "realtime", "keywords": "违建,搭建,加建", "group": "平安法治"}


@pytest.mark.django_db
def test_service_definition_with_attributes(client, catalog):
    r = client.get(f"{BASE}/services/SL04.json")
    assert r.status_code == 200
    assert r.json() == {"service_code": "SL04", "attributes": [{
        "variable": True, "code": "hazard", "datatype": "multivaluelist", "required": True,
        "datatype_description": "可多选：attribute[code][]=key / one or more keys of values", "order": 1,
        "description": "隐患类型",
        "values": [{"key": "fire", "name": "消防"}, {"key": "electric", "name": "用电"},
                   {"key": "structure", "name": "建筑结构"}, {"key": "other", "name": "其他"}]}]}
    # EC02 has two attributes, in order
    ec02 = client.get(f"{BASE}/services/EC02.json").json()
    assert [(a["code"], a["datatype"], a["required"], a["order"]) for a in ec02["attributes"]] == [
        ("workers", "number", True, 1), ("amount", "number", False, 2)]
    assert client.get(f"{BASE}/services/LS01.json").json() == {"service_code": "LS01", "attributes": []}

    root = xml(client.get(f"{BASE}/services/SL02.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "SL02"
    (attr,) = root.find("attributes").findall("attribute")
    assert [attr.findtext(t) for t in ("variable", "code", "datatype", "required", "order", "description")] == [
        "true", "structure", "singlevaluelist", "true", "1", "搭建类型"]
    assert [(v.findtext("key"), v.findtext("name")) for v in attr.find("values").findall("value")] == [
        ("roof", "屋顶加建"), ("yard", "院落搭建"), ("shop", "门面扩建")]

    missing = client.get(f"{BASE}/services/XX99.json")
    assert missing.status_code == 404
    assert errors_json(missing) == [{"code": 404, "description": "服务类型不存在 / Unknown service_code. "
                                                                 "[open311.service_unknown]"}]
    root = xml(client.get(f"{BASE}/services/XX99.xml"))
    assert root.tag == "errors" and root.find("error").findtext("code") == "404"


# ---- POST requests --------------------------------------------------------------------------

@pytest.mark.django_db
def test_post_creates_an_event_through_intake(client, tree, catalog, api_key):
    key, clear = api_key
    r = report_sl02(client, clear, first_name="三", last_name="张", phone="13912345678",
                    email="zhang.san@example.com", device_id="dev-001", account_id="acct-9",
                    media_url="https://img.example.com/a.jpg")
    assert r.status_code == 201, r.content
    number = f"500101001-{YEAR}-000001"
    assert r.json() == [{"service_request_id": number,
                         "service_notice": f"已登记为事件 {number}，将由所在网格受理。/ Registered as event {number}; "
                                           "the grid it lies in will take it on.",
                         "account_id": "acct-9"}]
    event = Event.objects.get()
    assert (event.number, event.channel, event.status, event.level, event.grid_id, event.category.code) == (
        number, "open311", "reported", "grid", tree.g1.id, "SL02")
    assert (event.title, event.description, event.attributes, event.address) == (
        "楼顶新搭了一间彩钢房", "楼顶新搭了一间彩钢房", {"structure": "roof"}, "甲社区幸福路 8 号")
    assert (event.reporter_id, event.reporter_name, event.reporter_phone) == (None, "张三", "13912345678")
    assert (event.lon, event.lat) == (106.05, 29.2)
    assert list(event.activities.values_list("action", "actor_id")) == [("report", None)]
    sub = Submission.objects.get()
    assert (sub.event_id, sub.api_key_id, sub.email, sub.device_id, sub.account_id, sub.media_url) == (
        event.id, key.id, "zhang.san@example.com", "dev-001", "acct-9", "https://img.example.com/a.jpg")
    # the e-mail is stored encrypted
    with connection.cursor() as cur:
        cur.execute("SELECT email FROM open311_submission WHERE id = %s", [sub.id])
        assert "zhang.san" not in cur.fetchone()[0]
    key.refresh_from_db()
    assert key.last_used_at is not None

    # SL04 with a multi-value list, the title falling back to the service name; XML answer
    r = post_form(client, "requests.xml", [("api_key", clear), ("service_code", "SL04"), ("lat", "29.2"),
                                           ("long", "106.05"), ("attribute[hazard][]", "fire"),
                                           ("attribute[hazard][]", "electric"), ("first_name", "Ann"),
                                           ("last_name", "Lee"), ("description", "")])
    assert r.status_code == 201, r.content
    root = xml(r)
    assert root.tag == "service_requests"
    (req,) = root.findall("request")
    assert req.findtext("service_request_id") == f"500101001-{YEAR}-000002"
    assert req.find("account_id").text is None
    sl04 = Event.objects.get(number=f"500101001-{YEAR}-000002")
    assert (sl04.title, sl04.attributes, sl04.reporter_name) == ("安全隐患", {"hazard": ["fire", "electric"]},
                                                                 "Ann Lee")
    # a 60-character title from a long description
    long_text = "井" * 100
    r = post_form(client, "requests.json", {"api_key": clear, "service_code": "LS04", **IN_G1,
                                            "description": long_text})
    event = Event.objects.get(number=r.json()[0]["service_request_id"])
    assert (event.title, event.description) == ("井" * 60, long_text)


@pytest.mark.django_db
def test_post_refused_without_a_valid_key(client, tree, catalog, api_key):
    key, clear = api_key
    base = {"service_code": "LS01", **IN_G1, "description": "垃圾"}
    for pairs in (base, {**base, "api_key": "o311_wrong"}, {**base, "api_key": ""}):
        r = post_form(client, "requests.json", pairs)
        assert r.status_code == 403
        assert errors_json(r) == [{"code": 403, "description": "api_key 缺失或无效 / Missing or invalid api_key."}]
    root = xml(post_form(client, "requests.xml", base))
    assert (root.tag, root.find("error").findtext("code")) == ("errors", "403")
    api_key_deactivate(actor=None, key=key)
    assert post_form(client, "requests.json", {**base, "api_key": clear}).status_code == 403
    assert Event.objects.count() == 0 and Submission.objects.count() == 0


@pytest.mark.django_db
def test_post_argument_errors(client, tree, catalog, api_key):
    _, clear = api_key

    def refused(pairs, status, fmt="json"):
        r = post_form(client, f"requests.{fmt}", {"api_key": clear, **pairs})
        assert r.status_code == status, r.content
        (error,) = r.json()
        assert error["code"] == status
        return error["description"]

    assert refused({**IN_G1}, 400) == "缺少 service_code / service_code is required."
    assert refused({"service_code": "", **IN_G1}, 400) == "缺少 service_code / service_code is required."
    assert refused({"service_code": "ZZ01", **IN_G1}, 404) == \
        "服务类型不存在 / Unknown service_code. [open311.service_unknown]"
    assert refused({"service_code": "SL", **IN_G1}, 404).endswith("[open311.service_unknown]")  # a group
    assert "lat and long are required" in refused({"service_code": "LS01", "address_string": "幸福路 8 号"}, 400)
    assert refused({"service_code": "LS01", "lat": "north", "long": "106.05"}, 400) == \
        "lat 须为数字 / lat must be a number (WGS84 degrees)."
    outside = refused({"service_code": "LS01", "lat": "29.2", "long": "105.5"}, 400)
    assert outside == "该位置不在辖区内 / The location is outside the jurisdiction. [event.outside_jurisdiction] " \
                      "lat: 29.2; lon: 105.5"
    assert refused({"service_code": "SL02", **IN_G1}, 400) == \
        "附加字段有误 / Invalid extra fields. [event.attributes_invalid] structure: required"
    assert refused({"service_code": "SL02", **IN_G1, "attribute[structure]": "castle"}, 400) == \
        "附加字段有误 / Invalid extra fields. [event.attributes_invalid] structure: one of ['roof', 'shop', 'yard']"
    assert refused({"service_code": "SL04", **IN_G1, "attribute[hazard][]": ["fire", "flood"]}, 400).endswith(
        "hazard: subset of ['electric', 'fire', 'other', 'structure']")
    assert refused({"service_code": "LS01", **IN_G1, "description": "x" * 4001}, 400) == \
        "description 过长 / description is too long (at most 4000 characters)."
    assert refused({"service_code": "LS01", **IN_G1, "email": "not-an-email"}, 400) == \
        "email 格式无效 / email is not a valid address."
    assert refused({"service_code": "LS01", **IN_G1, "media_url": "javascript:alert(1)"}, 400) == \
        "media_url 须为 http(s) 地址 / media_url must be an http(s) URL."
    # a JSON body is not what the spec sends
    r = client.post(f"{BASE}/requests.json", data=json.dumps({"api_key": clear}), content_type="application/json")
    assert r.status_code == 400 and "form-encoded" in r.json()[0]["description"]
    assert Event.objects.count() == 0 and Submission.objects.count() == 0


@pytest.mark.django_db
def test_post_retry_safety(client, tree, catalog, api_key):
    key, clear = api_key
    # 1. Idempotency-Key header: the same key returns the first event, whatever the field order
    body = [("api_key", clear), ("service_code", "LS01"), ("lat", "29.2"), ("long", "106.05"),
            ("description", "小区门口垃圾")]
    first = post_form(client, "requests.json", body, **{"Idempotency-Key": "a1b2"})
    again = post_form(client, "requests.json", list(reversed(body)), **{"Idempotency-Key": "a1b2"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Event.objects.count() == 1 and Submission.objects.count() == 1
    # the same key with another body is refused, nothing is created
    other = post_form(client, "requests.json", body[:-1] + [("description", "别的事")], **{"Idempotency-Key": "a1b2"})
    assert other.status_code == 400
    assert other.json()[0]["description"] == ("该 Idempotency-Key 已用于另一请求 / This Idempotency-Key was used for "
                                              "another request. [open311.idempotency_key_reused]")
    # another client's identical header is its own key
    from jiewang.open311.services import api_key_create

    _, clear2 = api_key_create(actor=None, name="网格通")
    body2 = [("api_key", clear2)] + body[1:]
    assert post_form(client, "requests.json", body2, **{"Idempotency-Key": "a1b2"}).status_code == 201
    assert Event.objects.count() == 2

    # 2. device_id + body: an identical retry within 24 h returns the first event
    dev = [("api_key", clear), ("service_code", "LS03"), ("lat", "29.2"), ("long", "106.05"),
           ("description", "路灯不亮"), ("device_id", "phone-77")]
    a = post_form(client, "requests.json", dev)
    b = post_form(client, "requests.json", dev)
    assert (a.status_code, b.status_code) == (201, 200) and a.json() == b.json()
    assert Event.objects.count() == 3
    # a different body from the same device is a new report
    c = post_form(client, "requests.json", dev[:-2] + [("description", "另一盏路灯不亮"), ("device_id", "phone-77")])
    assert c.status_code == 201 and Event.objects.count() == 4
    # the same report a day later is a new event
    # a retry 23 hours later (across midnight) still finds it
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(hours=23)):
        assert post_form(client, "requests.json", dev).json() == a.json()
    later = timezone.now() + dt.timedelta(hours=25)
    with mock.patch("django.utils.timezone.now", return_value=later):
        d = post_form(client, "requests.json", dev)
    assert d.status_code == 201 and d.json()[0]["service_request_id"] != a.json()[0]["service_request_id"]
    # 3. neither: every POST is a new event
    plain = [("api_key", clear), ("service_code", "LS01"), ("lat", "29.2"), ("long", "106.05")]
    assert post_form(client, "requests.json", plain).status_code == 201
    assert post_form(client, "requests.json", plain).status_code == 201
    assert Event.objects.count() == 7


# ---- GET requests ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_get_one_request_json_and_xml_without_personal_data(client, tree, catalog, api_key):
    _, clear = api_key
    r = report_sl02(client, clear, first_name="三", last_name="张", phone="13912345678",
                    email="zhang.san@example.com", device_id="dev-001", account_id="acct-9",
                    media_url="https://img.example.com/a.jpg")
    number = r.json()[0]["service_request_id"]
    event = Event.objects.get(number=number)
    got = client.get(f"{BASE}/requests/{number}.json")
    assert got.status_code == 200 and got["Access-Control-Allow-Origin"] == "*"
    local = timezone.localtime(event.reported_at).isoformat(timespec="seconds")
    assert local.endswith("+08:00")
    assert got.json() == [{
        "service_request_id": number, "status": "open", "status_notes": None, "service_name": "违章搭建",
        "service_code": "SL02", "description": "楼顶新搭了一间彩钢房", "agency_responsible": "甲社区第1网格",
        "service_notice": None, "requested_datetime": local, "updated_datetime": local,
        "expected_datetime": None, "address": "甲社区幸福路 8 号", "address_id": None, "zipcode": None,
        "lat": 29.2, "long": 106.05, "media_url": "https://img.example.com/a.jpg", "detailed_status": "reported",
        "title": "楼顶新搭了一间彩钢房", "notes": [{"datetime": local, "description": "上报", "type": "report"}],
    }]
    root = xml(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    (req,) = root.findall("request")
    assert [req.findtext(t) for t in ("service_request_id", "status", "service_code", "lat", "long",
                                      "requested_datetime", "detailed_status")] == [
        number, "open", "SL02", "29.2", "106.05", local, "reported"]
    assert req.find("zipcode").text is None
    (note,) = req.find("notes").findall("note")
    assert (note.findtext("datetime"), note.findtext("description"), note.findtext("type")) == (local, "上报",
                                                                                                "report")
    # no personal data in either format
    for body in (got.content.decode(), client.get(f"{BASE}/requests/{number}.xml").content.decode(),
                 client.get(f"{BASE}/requests.json").content.decode()):
        for secret in ("13912345678", "5678", "张三", "zhang.san", "dev-001", "acct-9", "reporter"):
            assert secret not in body

    missing = client.get(f"{BASE}/requests/500101001-{YEAR}-999999.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "服务请求不存在 / Unknown service_request_id. "
                                                           "[open311.request_unknown]"}]
    assert xml(client.get(f"{BASE}/requests/nope.xml")).find("error").findtext("code") == "404"


@pytest.mark.django_db
def test_visibility_public_channels_only_and_not_voided(client, tree, people, catalog):
    ls01 = MatterCategory.objects.get(code="LS01")

    def report(channel, title):
        return event_report(actor=None, channel=channel, category=ls01, lon=106.05, lat=29.2, title=title)[0]

    web, hotline, o311 = report("resident_web", "网上"), report("hotline", "热线"), report("open311", "接口")
    patrol, sensor = report("patrol", "巡查"), report("sensor", "感知")
    voided = report("resident_web", "作废")
    actions.event_void(event=voided, actor=people.admin, reason="无效上报")
    listed = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert listed == [o311.number, hotline.number, web.number]  # newest first
    for hidden in (patrol, sensor, voided):
        assert client.get(f"{BASE}/requests/{hidden.number}.json").status_code == 404
    ids = ",".join(e.number for e in (web, patrol, voided))
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json",
                                                         {"service_request_id": ids}).json()] == [web.number]


@pytest.mark.django_db
def test_get_requests_filters_and_date_span(client, tree, people, catalog, api_key):
    _, clear = api_key
    numbers = {}
    for code, extra in (("LS01", {}), ("SL02", {"attribute[structure]": "yard"}), ("LS03", {})):
        r = post_form(client, "requests.json", {"api_key": clear, "service_code": code, **IN_G1, **extra})
        numbers[code] = r.json()[0]["service_request_id"]
    age_event(numbers["LS03"], 120)  # older than the default window
    ls01 = Event.objects.get(number=numbers["LS01"])
    actions.event_self_handle(event=ls01, actor=people.admin)
    actions.event_close_on_spot(event=Event.objects.get(pk=ls01.pk), actor=people.admin, comment="已清运")

    def ids(**params):
        r = client.get(f"{BASE}/requests.json", params)
        assert r.status_code == 200, r.content
        return [x["service_request_id"] for x in r.json()]

    assert ids() == [numbers["SL02"], numbers["LS01"]]  # the last 90 days, newest first
    assert ids(service_code="LS01,LS03") == [numbers["LS01"]]
    assert ids(status="open") == [numbers["SL02"]]
    assert ids(status="closed") == [numbers["LS01"]]
    assert ids(status="open,closed") == [numbers["SL02"], numbers["LS01"]]
    assert ids(status="", service_code="", jurisdiction_id="") == [numbers["SL02"], numbers["LS01"]]  # empty = absent
    # service_request_id overrides the other filters
    assert ids(service_request_id=f"{numbers['LS03']},{numbers['LS01']}", status="open",
               service_code="SL02") == [numbers["LS01"], numbers["LS03"]]
    # dates with a zone (an unencoded "+" arrives as a space and is still understood)
    now = timezone.localtime()
    old = (now - dt.timedelta(days=150)).isoformat(timespec="seconds")
    recent = (now - dt.timedelta(days=100)).isoformat(timespec="seconds")
    assert ids(start_date=old, end_date=recent) == [numbers["LS03"]]
    assert ids(start_date=old.replace("+", " "), end_date=recent.replace("+", " ")) == [numbers["LS03"]]
    assert ids(start_date=old) == [numbers["LS03"]]  # end defaults to start + 90 days
    assert ids(end_date=recent) == [numbers["LS03"]]  # start defaults to end - 90 days
    assert ids(start_date=(now - dt.timedelta(days=1)).astimezone(dt.UTC).isoformat()) == [
        numbers["SL02"], numbers["LS01"]]
    # no zone: read in Asia/Shanghai
    assert ids(start_date=(now - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")) == [
        numbers["SL02"], numbers["LS01"]]
    assert ids(end_date=(now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")) == []

    def refused(**params):
        r = client.get(f"{BASE}/requests.json", params)
        assert r.status_code == 400
        return r.json()[0]["description"]

    assert refused(start_date=old, end_date=now.isoformat()) == \
        "日期范围不能超过 90 天 / start_date and end_date may not span more than 90 days."
    assert refused(start_date=recent, end_date=old) == "start_date 晚于 end_date / start_date is after end_date."
    assert refused(start_date="yesterday").startswith("start_date 须为 ISO 8601")
    assert refused(status="pending") == \
        "status 只能为 open、closed 或 open,closed / status must be open, closed or both."
    root = xml(client.get(f"{BASE}/requests.xml", {"start_date": old, "end_date": now.isoformat()}))
    assert (root.tag, root.find("error").findtext("code")) == ("errors", "400")


@pytest.mark.django_db
def test_pagination_extension(client, tree, catalog, api_key):
    _, clear = api_key
    made = [post_form(client, "requests.json", {"api_key": clear, "service_code": "LS01", **IN_G1,
                                                "description": f"第{i}处"}).json()[0]["service_request_id"]
            for i in range(5)]
    newest_first = list(reversed(made))

    def page(**params):
        return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params).json()]

    assert page() == newest_first
    assert page(page_size="2") == newest_first[:2]
    assert page(page="2", page_size="2") == newest_first[2:4]
    assert page(page="3", page_size="2") == newest_first[4:]
    assert page(page="4", page_size="2") == []
    for bad in ({"page": "0"}, {"page_size": "1001"}, {"page": "x"}):
        assert client.get(f"{BASE}/requests.json", bad).status_code == 400


@pytest.mark.django_db
def test_notes_follow_the_event(client, tree, people, catalog, api_key):
    from jiewang.dispatching.services.assignments import assignment_sign, event_dispatch
    from jiewang.events.services.photos import event_photo_add
    from jiewang.events.testing import png_bytes

    _, clear = api_key
    number = report_sl02(client, clear).json()[0]["service_request_id"]
    admin = people.admin
    get = lambda: Event.objects.get(number=number)  # noqa: E731
    actions.event_escalate(event=get(), actor=admin, reason="需社区协调")
    actions.event_escalate(event=get(), actor=admin, reason="涉及违建，报镇街")
    actions.event_accept(event=get(), actor=admin, comment="立案")
    event_dispatch(event=get(), actor=admin, lead=people.department, instructions="请城管主办")
    event_photo_add(event=get(), actor=admin, data=png_bytes(), kind="before")

    (req,) = client.get(f"{BASE}/requests/{number}.json").json()
    event = get()
    assert (req["status"], req["detailed_status"], req["status_notes"], req["agency_responsible"]) == (
        "open", "dispatched", "请城管主办", "北区城市管理局")
    assert req["expected_datetime"] == timezone.localtime(event.due_at).isoformat(timespec="seconds")
    assert [(n["type"], n["description"]) for n in req["notes"]] == [
        ("report", "上报"), ("escalate", "需社区协调"), ("escalate", "涉及违建，报镇街"), ("accept", "立案"),
        ("dispatch", "请城管主办")]  # the photo is not a note
    last = event.activities.get(action="dispatch").at
    assert req["updated_datetime"] == timezone.localtime(last).isoformat(timespec="seconds")
    photo = event.photos.get()
    assert req["media_url"] == f"http://testserver{photo.file.url}"

    assignment_sign(assignment=event.assignments.get(), actor=admin)
    actions.event_feedback(event=get(), actor=admin, comment="已拆除")
    actions.event_verify(event=get(), actor=admin, passed=True)
    actions.event_return_visit(event=get(), actor=admin, contacted=True, resolved=True, satisfaction="satisfied",
                               comment="张先生表示满意，电话 13912345678")
    (req,) = client.get(f"{BASE}/requests/{number}.json").json()
    assert (req["status"], req["detailed_status"], req["status_notes"], req["expected_datetime"]) == (
        "closed", "rated", "已拆除", None)
    assert [(n["type"], n["description"]) for n in req["notes"]][-4:] == [
        ("sign", "签收"), ("feedback", "已拆除"), ("verify_pass", "核查通过"), ("visit", "回访")]
    assert "13912345678" not in json.dumps(req, ensure_ascii=False)
    # the XML carries the same notes
    root = xml(client.get(f"{BASE}/requests/{number}.xml"))
    assert [n.findtext("type") for n in root.find("request").find("notes").findall("note")] == [
        n["type"] for n in req["notes"]]


@pytest.mark.django_db
def test_list_query_count_is_constant(client, tree, people, catalog, api_key):
    _, clear = api_key

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/requests.json").status_code == 200
        return len(ctx)

    post_form(client, "requests.json", {"api_key": clear, "service_code": "LS01", **IN_G1})
    one = count()
    for _ in range(4):
        n = post_form(client, "requests.json", {"api_key": clear, "service_code": "LS01", **IN_G1}).json()
        actions.event_escalate(event=Event.objects.get(number=n[0]["service_request_id"]), actor=people.admin,
                               reason="上报")
    assert count() == one <= 5


# ---- formats, jurisdiction, tokens, keys ----------------------------------------------------

@pytest.mark.django_db
def test_formats_jurisdiction_and_tokens(client, settings, catalog):
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "jiewang"}).status_code == 200
    wrong = client.get(f"{BASE}/services.json", {"jurisdiction_id": "chicago"})
    assert wrong.status_code == 404
    assert wrong.json() == [{"code": 404, "description": "未知辖区 / Unknown jurisdiction_id 'chicago' (this "
                                                         "endpoint serves 'jiewang')."}]
    settings.OPEN311_JURISDICTION_ID = "yuzhou.gov.cn"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "yuzhou.gov.cn"}).status_code == 200
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "jiewang"}).status_code == 404

    for path in ("services.csv", "services", "requests.html", "services/SL02.yaml", "discovery.json", "nope"):
        r = client.get(f"{BASE}/{path}")
        assert r.status_code == 404, path
        assert xml(r).find("error").findtext("code") == "404"

    token = client.get(f"{BASE}/tokens/123456.json")
    assert token.status_code == 404
    assert token.json() == [{"code": 404, "description": "令牌不存在：本接口实时返回 service_request_id，从不发放令牌 / "
                                                         "Unknown token: this endpoint is realtime (POST returns "
                                                         "the service_request_id) and never issues tokens."}]
    assert xml(client.get(f"{BASE}/tokens/123456.xml")).find("error").findtext("code") == "404"
    assert client.delete(f"{BASE}/services.json").status_code == 405


@pytest.mark.django_db
def test_open311_key_command_prints_a_working_key(capsys):
    out = io.StringIO()
    call_command("open311_key", "市民通", "--organization", "渝州市大数据局", stdout=out, stderr=io.StringIO())
    clear = out.getvalue().strip()
    key = ApiKey.objects.get()
    assert (key.name, key.organization, key.is_active, key.prefix) == ("市民通", "渝州市大数据局", True, clear[:12])
    assert clear.startswith("o311_") and len(clear) > 40 and key.key_hash != clear and clear not in key.key_hash
    assert api_key_authenticate(clear) == key
    assert api_key_authenticate(clear + "x") is None


@pytest.mark.django_db
def test_xml_stays_well_formed_with_control_characters(client, tree, catalog, api_key):
    _, clear = api_key
    r = post_form(client, "requests.json", {"api_key": clear, "service_code": "LS01", **IN_G1,
                                            "description": "响铃\x07字符 & <标签>"})
    number = r.json()[0]["service_request_id"]
    req = xml(client.get(f"{BASE}/requests/{number}.xml")).find("request")
    assert req.findtext("description") == "响铃字符 & <标签>"
    assert client.get(f"{BASE}/requests/{number}.json").json()[0]["description"] == "响铃\x07字符 & <标签>"


@pytest.mark.django_db
def test_admin_creates_a_key_and_shows_it_once(client, people):
    client.force_login(people.admin, backend="jiewang.accounts.backends.ModelBackend")
    r = client.post("/admin/open311/apikey/add/", {"name": "街道小程序", "organization": "一街道", "is_active": "on"},
                    follow=True)
    assert r.status_code == 200
    (message,) = [str(m) for m in r.context["messages"] if "copy it now" in str(m)]
    key = ApiKey.objects.get()
    clear = message.split(": ", 1)[1].split(" ")[0]
    assert clear.startswith(key.prefix) and api_key_authenticate(clear) == key
    assert (key.name, key.organization, key.created_by) == ("街道小程序", "一街道", people.admin)
    # the change page never shows it again
    page = client.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()
    assert clear not in page and key.key_hash not in page
