"""What a newcomer hit in the browser (issue #9, item 6): where signing in lands, the error pages,
one language at a time, local times in notifications, who rated, the favicon."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from jiewang.core.errors import ValidationFailed, in_language
from jiewang.events.models import Event

from .test_command import act
from .test_resident import form, receipt_token


def sign_in(user, next_url=None):
    c = Client()
    data = {"username": user.username, "password": f"pw-{user.username}-2026"}
    if next_url is not None:
        data["next"] = next_url
    return c, c.post("/login/", data)


@pytest.mark.django_db
@pytest.mark.parametrize("who, home", [
    ("town_operator", "/command/"), ("town_leader", "/command/"), ("district_admin", "/command/"),
    ("grid_worker", "/grid/"), ("community_staff", "/grid/"), ("department_staff", "/dept/"),
    ("resident", "/report/"), ("nobody", "/report/"), ("admin", "/command/"),
])
def test_signing_in_lands_on_the_roles_workspace(people, who, home):
    c, r = sign_in(getattr(people, who))
    assert (r.status_code, r["Location"]) == (302, home)
    assert c.get(home).status_code == 200


@pytest.mark.django_db
def test_signing_in_honours_a_safe_next_only(people):
    _c, r = sign_in(people.town_operator, "/inbox/")
    assert r["Location"] == "/inbox/"
    _c, r = sign_in(people.town_operator, "https://evil.example/steal")
    assert r["Location"] == "/command/"


@pytest.mark.django_db
def test_404_and_403_pages_are_chinese_with_the_navigation(people, client_for):
    c = client_for(people.town_operator)
    r = c.get("/accounts/profile/")
    page = r.content.decode()
    assert r.status_code == 404 and 'data-status="404"' in page
    assert "页面不存在" in page or "未找到" in page
    assert 'href="/command/"' in page and 'href="/inbox/"' in page and "Not Found" not in page
    r = client_for(people.grid_worker).get("/dept/")
    page = r.content.decode()
    assert r.status_code == 403 and "无权访问" in page and 'href="/grid/"' in page and "Forbidden" not in page
    # Django's own 403 (a PermissionDenied raised anywhere): the site's page, not Django's English one
    from jiewang.web.views import permission_denied

    request = RequestFactory().get("/x/")
    request.user = people.grid_worker
    with translation.override("zh-hans"):
        page = permission_denied(request).render().content.decode() if hasattr(
            permission_denied(request), "render") else permission_denied(request).content.decode()
    assert 'data-status="403"' in page and "无权" in page and 'href="/grid/"' in page
    # the area page's own 404 uses the same page
    r = c.get("/areas/999999/")
    assert r.status_code == 404 and 'data-status="404"' in r.content.decode()


def test_500_page_renders_with_the_database_broken():
    from jiewang.web.views import server_error

    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor",
                    side_effect=OperationalError("database is down")), translation.override("zh-hans"):
        r = server_error(RequestFactory().get("/command/"))
    page = r.content.decode()
    assert r.status_code == 500 and 'data-status="500"' in page and "服务器出错" in page
    assert 'href="/report/"' in page and "favicon.svg" in page


def test_the_error_handlers_are_wired():
    from config import urls

    assert (urls.handler403, urls.handler404, urls.handler500) == (
        "jiewang.web.views.permission_denied", "jiewang.web.views.page_not_found", "jiewang.web.views.server_error")


@pytest.mark.django_db
def test_favicon_linked_and_no_404(client):
    page = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg"' in page
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"] == "/static/web/icons/icon-192.png"
    assert client.get("/static/web/favicon.svg").status_code == 200


@pytest.mark.django_db
def test_language_menu_names_each_language_in_its_own_name(client):
    page = client.get("/login/").content.decode()
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in page
    assert '<option value="en" lang="en">English</option>' in page and "英语" not in page


def test_bilingual_messages_show_the_active_language_only():
    msg = "描述过长（最多 4000 字）/ Description too long."
    assert in_language(msg, "zh-hans") == "描述过长（最多 4000 字）"
    assert in_language(msg, "en") == "Description too long."
    named = "北区城管局 不服务本辖区 / 北区城管局 does not serve this area."
    assert in_language(named, "zh-hans") == "北区城管局 不服务本辖区"
    assert in_language(named, "en") == "北区城管局 does not serve this area."
    assert in_language("只有中文", "en") == "只有中文" and in_language("English only", "zh-hans") == "English only"
    exc = ValidationFailed("标题必填 / A title is required.")
    with translation.override("zh-hans"):
        assert exc.text == "标题必填"
    with translation.override("en"):
        assert exc.text == "A title is required."
    assert exc.as_dict()["message"] == "标题必填 / A title is required."  # the API keeps both


@pytest.mark.django_db
def test_a_refusal_on_a_page_is_in_one_language(tree, people, loop, client):
    r = client.post("/report/", form(title=""))
    page = r.content.decode()
    assert r.status_code == 422 and "请用一句话" in page and "Describe the problem" not in page
    r = client.post("/report/", form(title=""), HTTP_ACCEPT_LANGUAGE="en")
    page = r.content.decode()
    assert r.status_code == 422 and "Describe the problem" in page and "请用一句话" not in page


@pytest.mark.django_db
def test_whistle_notification_says_the_local_time(tree, people, loop):
    from jiewang.dispatching.services import whistles
    from jiewang.events.testing import make_event
    from jiewang.notifications.models import Notification, OutboundMessage

    loop.cgj_staff.phone = "13800138000"  # so that the summons also goes out by SMS
    loop.cgj_staff.save()
    event = make_event(tree, people, loop, "handling", level="town")
    whistles.whistle_blow(event=event, actor=people.town_operator, departments=[loop.cgj], problem="联合执法",
                          urgent=False)
    due = event.whistles.get().report_in_due_at
    local = timezone.localtime(due).strftime("%H:%M")
    assert local != due.astimezone(dt.UTC).strftime("%H:%M")  # Asia/Shanghai is UTC+8
    n = Notification.objects.get(kind="whistle.summons", recipient=loop.cgj_staff)
    assert n.body == f"{event.number} 请于 {local} 前报到"
    sms = OutboundMessage.objects.filter(channel="sms", recipient=loop.cgj_staff)
    assert [m.body for m in sms] == [f"【结网】吹哨报到：联合执法 {event.number} 请于 {local} 前报到"]


@pytest.mark.django_db
def test_rating_is_logged_as_the_reporter(tree, people, loop, client, client_for):
    from jiewang.events.services import actions

    def closed_event(c):
        c.post("/report/", form(phone="13912345678", name="王女士") if c is client else form(phone="", name=""))
        ev = Event.objects.latest("pk")
        actions.event_self_handle(event=ev, actor=people.grid_worker, comment="处理")
        actions.event_close_on_spot(event=Event.objects.get(pk=ev.pk), actor=people.grid_worker, comment="完成")
        return ev

    # a signed-in resident rating their own report: recorded as that user, role 居民
    mine = client_for(people.resident)
    ev = closed_event(mine)
    token = receipt_token(mine, ev.number)
    assert mine.post(f"/report/track/{ev.number}/", {"t": token, "satisfaction": "satisfied"}).status_code == 302
    rate = Event.objects.get(pk=ev.pk).activities.get(action="rate")
    assert (rate.actor_id, rate.actor_role) == (people.resident.pk, "resident")
    # the event page names the signed-in reporter instead of "—", and the timeline the resident
    page = client_for(people.admin).get(f"/events/{ev.number}/").content.decode()
    assert f"<dd>{people.resident}" in page and "系统 · 系统" not in page
    # an anonymous reporter with the tracking link: no actor, role "reporter", shown as 反映人
    ev = closed_event(client)
    assert client.post(f"/report/track/{ev.number}/", {"t": receipt_token(client, ev.number),
                                                      "satisfaction": "satisfied"}).status_code == 302
    rate = Event.objects.get(pk=ev.pk).activities.get(action="rate")
    assert (rate.actor_id, rate.actor_role) == (None, "reporter")
    page = client_for(people.admin).get(f"/events/{ev.number}/").content.decode()
    assert "系统 · 系统" not in page and "reporter" not in page.split('id="h-timeline"')[1]


@pytest.mark.django_db
def test_a_fed_back_row_says_so_once(tree, people, loop, client_for):
    from jiewang.events.testing import make_event

    event = make_event(tree, people, loop, "handling", level="town")
    a = event.assignments.get()
    c = client_for(loop.cgj_staff)
    r = act(c, event, "feedback", {"comment": "已清理"}, row=f"assignment:{a.pk}", htmx=True, surface="department")
    page = r.content.decode()
    assert Event.objects.get(pk=event.pk).status == "feedback"
    assert page.count("已反馈，等待核查") == 1, page
    page = c.get("/dept/").content.decode()
    assert page.count("已反馈，等待核查") == 1


@pytest.mark.django_db
def test_the_area_map_nests_no_link_in_an_image(tree, people, client_for):
    page = client_for(people.admin).get(f"/areas/{tree.t1.id}/").content.decode()
    assert '<svg' in page and 'role="img"' not in page and 'class="map" role="group"' in page
