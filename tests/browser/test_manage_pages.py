"""The administration pages in a real browser: axe-core clean and no sideways scroll at 360 px."""

import pytest

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_manage_pages(live_server, live_tree, live_people, new_page, viewport):
    from jiewang.events.services.catalog import catalog_seed

    catalog_seed()
    page = new_page(viewport)
    login(page, live_server.url, live_people.district_admin, next_url="/manage/")
    for path in ("/manage/", "/manage/catalog/", "/manage/catalog/SL01/", "/manage/users/",
                 f"/manage/users/{live_people.grid_worker.pk}/", "/manage/holidays/", "/manage/holidays/load/?year=2027"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        if viewport is PHONE:
            no_horizontal_scroll(page, PHONE["width"])
        axe_check(page)
    # The holiday arrangement's preview, and an error beside its field.
    page.fill("#h-notice", "国办发明电〔2026〕测试号")
    page.fill("#h-published", "2026-11-12")
    page.fill("#h-holidays", "2027-01-01..2027-01-03\n2027-02-05..2027-02-11")
    page.fill("#h-workdays", "2027-02-14")
    page.click("button[value=preview]")
    page.wait_for_selector("#preview")
    if viewport is PHONE:
        no_horizontal_scroll(page, PHONE["width"])
    axe_check(page)
    page.fill("#h-workdays", "2027-02-15")
    page.click("button[value=preview]")
    page.wait_for_selector("#h-workdays-error")
    axe_check(page)


def test_area_picker_search_fills_the_select(live_server, live_tree, live_people, new_page):
    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.town_leader, next_url="/manage/users/")
    page.goto(live_server.url + f"/manage/users/{live_people.grid_worker.pk}/")
    page.fill("#g-area-q", "第2网格")
    page.wait_for_function("document.querySelector('#g-area').options.length === 1")
    assert "甲社区第2网格" in page.inner_text("#g-area")
