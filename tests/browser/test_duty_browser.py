"""The duty in a real browser: the duty leader sees the alarm of an urgent event flash on the
command center and acknowledges it from there; the roster's month grid and the duty log pass
axe-core and fit a 360 px wide phone (the month becomes a list of days); with reduced motion the
banner does not flash."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def test_the_duty_leader_acknowledges_a_flashing_alarm(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.duty.models import Alarm
    from jiewang.duty.testing import build_duty, put_on_roster, today, urgent_event

    duty = build_duty(live_tree, live_people)
    put_on_roster(live_tree.t1, today(), duty.leader, [live_people.town_operator])
    event = urgent_event(live_tree, live_people, live_loop)
    page = new_page(DESKTOP)
    login(page, live_server.url, duty.leader, next_url="/command/")
    page.goto(live_server.url + "/command/")
    banner = page.locator("[data-duty-alarms]")
    banner.wait_for()
    assert event.number in banner.inner_text()
    assert page.evaluate("() => getComputedStyle(document.querySelector('.duty-alarms')).animationName") \
        == "duty-flash"
    assert "duty_leader" in page.locator(".duty-today").inner_text()
    axe_check(page)
    form = banner.locator('form[data-action="acknowledge_alarm"]')
    form.locator("[name=note]").fill("已调派力量")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith("/command/")
    assert page.locator("[data-duty-alarms]").count() == 0
    assert Alarm.objects.get(event=event).state == "acknowledged"


def test_reduced_motion_stills_the_banner(live_server, live_tree, live_people, live_loop, browser):
    from jiewang.duty.testing import build_duty, urgent_event

    build_duty(live_tree, live_people)
    urgent_event(live_tree, live_people, live_loop)
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", reduced_motion="reduce")
    try:
        page = ctx.new_page()
        login(page, live_server.url, live_people.town_operator, next_url="/command/")
        page.goto(live_server.url + "/command/")
        page.locator("[data-duty-alarms]").wait_for()
        assert page.evaluate("() => getComputedStyle(document.querySelector('.duty-alarms')).animationName") \
            == "none"
    finally:
        ctx.close()


def test_roster_and_log_on_a_phone(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.duty.testing import build_duty, put_on_roster, today

    duty = build_duty(live_tree, live_people)
    put_on_roster(live_tree.t1, today(), duty.leader, [live_people.town_operator])
    phone = new_page(PHONE)
    login(phone, live_server.url, duty.commander, next_url="/duty/")
    for url in ("/duty/", "/duty/log/", f"/duty/{live_tree.t1.id}/{today()}/"):
        phone.goto(live_server.url + url)
        phone.wait_for_load_state("load")
        no_horizontal_scroll(phone, PHONE["width"])
        axe_check(phone)
    phone.goto(live_server.url + "/duty/")
    assert phone.locator('td[aria-current="date"]').inner_text().count("duty_leader") == 1
