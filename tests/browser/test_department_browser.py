"""The department workbench in a real browser: the department signs for an assignment and feeds
back with a photo; countdowns tick client-side; axe-core passes; it fits a 360 px phone."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll
from .test_command_browser import done_message


def test_department_signs_for_and_feeds_back(live_server, live_tree, live_people, live_loop, new_page, tmp_path):
    from jiewang.events.models import Event, EventPhoto
    from jiewang.events.testing import make_event, png_bytes

    event = make_event(live_tree, live_people, live_loop, "dispatched", level="town")
    page = new_page(DESKTOP)
    login(page, live_server.url, live_loop.cgj_staff, next_url="/dept/")
    page.goto(live_server.url + "/dept/")
    page.wait_for_function("() => window.htmx !== undefined")
    row = page.locator("#d-open li.qrow").filter(has_text=event.number)
    countdown = row.locator("time.countdown").first
    assert "剩余" in countdown.inner_text() or "left" in countdown.inner_text()
    axe_check(page)
    row.locator("button", has_text="签收").click()
    page.locator("#d-open li.qrow .msg.success", has_text=done_message("sign")).wait_for()
    assert Event.objects.get(pk=event.pk).status == "handling"

    row = page.locator("#d-open li.qrow").filter(has_text=event.number)
    form = row.locator('details[data-action="feedback"]')
    form.locator("summary").click()
    form.locator('textarea[name="comment"]').fill("已清理完毕")
    photo = tmp_path / "after.png"
    photo.write_bytes(png_bytes())
    form.locator('input[name="photos"]').set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    page.locator("#d-open li.qrow .msg.success", has_text=done_message("feedback")).wait_for()
    assert Event.objects.get(pk=event.pk).status == "feedback"
    assert EventPhoto.objects.filter(event=event, kind="feedback").count() == 1
    axe_check(page)


def test_department_workbench_on_a_phone(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.dispatching.services.whistles import whistle_blow
    from jiewang.events.testing import make_event

    make_event(live_tree, live_people, live_loop, "dispatched", level="town")
    e = make_event(live_tree, live_people, live_loop, "handling", level="town")
    whistle_blow(event=e, actor=live_people.admin, departments=[live_loop.cgj], problem="联合执法")
    phone = new_page(PHONE)
    login(phone, live_server.url, live_loop.cgj_staff, next_url="/dept/")
    phone.goto(live_server.url + "/dept/")
    phone.wait_for_load_state("load")
    phone.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    no_horizontal_scroll(phone, PHONE["width"])
    axe_check(phone)
