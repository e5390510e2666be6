"""A newcomer in the browser (issue #9, item 6): every demo role signs in through the form and lands
on its workspace (never /accounts/profile/), at 1366 px and at 360 px; the error pages and the area
pages pass axe-core (no ``nested-interactive`` on the area map); the favicon loads."""

import pytest

from .conftest import PHONE, axe_check, no_horizontal_scroll

DESKTOP_1366 = {"width": 1366, "height": 800}
# Each demo login (jiewang/demo/seeding.py DEMO_USERS) and the workspace it lands on.
WORKSPACES = {
    "admin": "/command/", "district_admin": "/command/", "town_leader": "/command/",
    "town_operator": "/command/", "community_staff": "/grid/", "grid_worker": "/grid/",
    "department_staff": "/dept/", "resident": "/report/", "commander": "/command/", "duty_leader": "/command/",
    "post_staff": "/dept/", "board_leader": "/dept/", "party_staff": "/party/", "party_member": "/party/me/",
}


@pytest.fixture
def live_demo(transactional_db, live_server):
    from jiewang.demo.seeding import DEMO_USERS, seed_demo

    seed_demo(scale="small", seed=1)
    assert {d.username for d in DEMO_USERS} == set(WORKSPACES)
    return live_server.url


def sign_in(page, base, username):
    from jiewang.demo.seeding import DEMO_PASSWORD

    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


@pytest.mark.parametrize("viewport", [DESKTOP_1366, PHONE], ids=["1366", "360"])
def test_every_demo_role_lands_on_its_workspace(live_demo, new_page, viewport):
    for username, workspace in WORKSPACES.items():
        page = new_page(viewport)
        failed = []
        page.on("response", lambda r, failed=failed: failed.append(r.url) if r.status >= 400 else None)
        sign_in(page, live_demo, username)
        page.wait_for_load_state("networkidle")
        assert page.url == live_demo + workspace, (username, page.url)
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert "Not Found" not in page.content()
        assert not failed, (username, failed)  # no 404 for the favicon or anything else
        if viewport is PHONE:
            no_horizontal_scroll(page, PHONE["width"])
        page.context.close()


def test_a_safe_next_is_honoured(live_demo, new_page):
    from jiewang.demo.seeding import DEMO_PASSWORD

    page = new_page(DESKTOP_1366)
    page.goto(live_demo + "/login/?next=/inbox/")
    page.fill("#id_username", "town_operator")
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url == live_demo + "/inbox/"


def test_error_and_area_pages_in_the_browser(live_demo, new_page):
    from jiewang.accounts.models import RoleGrant

    page = new_page(DESKTOP_1366)
    sign_in(page, live_demo, "town_operator")
    response = page.goto(live_demo + "/accounts/profile/")
    assert response.status == 404
    assert page.locator("#error-page h1").inner_text() != "Not Found"
    assert page.locator("header nav a[href='/command/']").count() == 1
    axe_check(page)
    town = RoleGrant.objects.get(user__username="town_operator").area
    for area_id in (town.id, town.parent_id, town.children.first().id):
        assert page.goto(f"{live_demo}/areas/{area_id}/").status == 200
        violations = axe_check(page, impacts=("minor", "moderate", "serious", "critical"))
        assert not [v for v in violations if v["id"] == "nested-interactive"]
    icon = page.goto(live_demo + "/favicon.ico")
    assert icon.status == 200
