"""Whistles through the center in a real browser (zh-Hans): a grid worker asks the town center to
blow the whistle from the event page; the operator approves it from the command center's queue,
adding a department; a department reports in; the operator rates the report-in on the event page,
which then shows the rating. Every page passes axe-core; the event page fits a 360 px phone."""

import os

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll

SHOTS = os.environ.get("JIEWANG_SHOTS", "")  # a folder: save screenshots there (for a look by eye)


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _open(form):
    if form.get_attribute("open") is None:
        form.locator("summary").first.click()


def test_grid_asks_center_approves_town_rates(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.dispatching.models import WhistleRequest, WhistleSummons
    from jiewang.dispatching.services.whistles import summons_report_in
    from jiewang.events.testing import make_event

    event = make_event(live_tree, live_people, live_loop, "handling", level="town", title="河道漂浮垃圾")
    url = f"/events/{event.number}/"

    grid = new_page(PHONE)
    login(grid, live_server.url, live_people.grid_worker, next_url=url)
    grid.goto(live_server.url + url)
    assert grid.locator('details[data-action="whistle"]').count() == 0  # the district does not allow it
    form = grid.locator('details[data-action="request_whistle"]')
    _open(form)
    form.locator(f'input[name="department_ids"][value="{live_loop.cgj.pk}"]').check()
    form.locator('textarea[name="problem"]').fill("河道漂浮垃圾面积大，需城管到场")
    with grid.expect_navigation():
        form.locator("button[type=submit]").click()
    assert grid.locator(".msg.success").count() == 1
    req = WhistleRequest.objects.get()
    assert grid.locator(f'[data-whistle-request="{req.pk}"][data-status="pending"]').count() == 1
    no_horizontal_scroll(grid, PHONE["width"])
    axe_check(grid)
    _shot(grid, "whistle-request-grid-360")

    center = new_page(DESKTOP)
    login(center, live_server.url, live_people.town_operator, next_url="/command/")
    center.goto(live_server.url + "/command/#q-whistle-requests")
    row = center.locator(f'#q-whistle-requests [data-whistle-request="{req.pk}"]')
    assert row.count() == 1
    approve = row.locator('details[data-action="approve_whistle_request"]')
    _open(approve)
    assert approve.locator(f'input[name="department_ids"][value="{live_loop.cgj.pk}"]').is_checked()
    approve.locator(f'input[name="department_ids"][value="{live_loop.sthj.pk}"]').check()
    _shot(center, "whistle-request-command")
    approve.locator("button[type=submit]").click()
    gone = f"#q-whistle-requests [data-whistle-request='{req.pk}'] details[data-action=approve_whistle_request]"
    center.wait_for_function(f'!document.querySelector("{gone}")')
    req.refresh_from_db()
    assert req.status == "approved"
    assert sorted(WhistleSummons.objects.values_list("department_id", flat=True)) == sorted(
        [live_loop.cgj.pk, live_loop.sthj.pk])
    axe_check(center)

    summons = WhistleSummons.objects.get(department=live_loop.cgj)
    summons_report_in(summons=summons, actor=live_loop.cgj_staff, responder_name="王队长")
    center.goto(live_server.url + url)
    rate = center.locator('details[data-action="rate_summons"]')
    assert rate.count() == 1
    _open(rate)
    rate.locator('select[name="rating"]').select_option("4")
    rate.locator('select[name="attended"]').select_option("1")
    rate.locator('textarea[name="comment"]').fill("到场及时，配合有力")
    with center.expect_navigation():
        rate.locator("button[type=submit]").click()
    assert center.locator(".msg.success").count() == 1
    assert center.locator('[data-rating="4"]').count() == 1
    assert "到场及时，配合有力" in center.locator("#h-whistles").locator("xpath=..").inner_text()
    assert center.locator('details[data-action="rate_summons"]').count() == 0
    summons.refresh_from_db()
    assert (summons.rating, summons.rating_comment) == (4, "到场及时，配合有力")
    axe_check(center)
    _shot(center, "whistle-rated-event")
