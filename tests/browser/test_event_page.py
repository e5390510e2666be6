"""The event page in a real browser, for each role: it renders with its actions, passes axe-core
(no serious/critical violations), and fits a 360 px wide phone without sideways scrolling."""

import pytest

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll

# (who, event state, level, reporter is the resident?, an action they must see)
CASES = [
    ("grid_worker", "grid_handling", "grid", False, "close_on_spot"),
    ("community_staff", "reported", "community", False, "accept"),
    ("town_operator", "accepted", "town", False, "dispatch"),
    ("department_staff", "dispatched", "town", False, "sign"),
    ("district_admin", "handling", "town", False, None),
    ("resident", "grid_closed", "grid", True, "rate"),
]


@pytest.mark.parametrize("who,state,level,own,action", CASES, ids=[c[0] for c in CASES])
def test_event_page_per_role(live_server, live_tree, live_people, live_loop, new_page, who, state, level, own,
                             action):
    from jiewang.events.testing import make_event

    user = getattr(live_people, who)
    event = make_event(live_tree, live_people, live_loop, state, level=level,
                       reporter=live_people.resident if own else None)
    url = f"/events/{event.number}/"
    page = new_page(DESKTOP)
    login(page, live_server.url, user, next_url=url)
    page.goto(live_server.url + url)
    assert page.locator("h1").inner_text() == event.title
    assert page.locator(f'[data-status="{event.status}"]').count() == 1
    if action:
        assert page.locator(f'details[data-action="{action}"]').count() >= 1, f"{who} should see {action}"
    if event.lon is not None:
        page.wait_for_selector("#event-map .leaflet-interactive")  # the grid polygon or the point
    axe_check(page)

    phone = new_page(PHONE)
    login(phone, live_server.url, user, next_url=url)
    phone.goto(live_server.url + url)
    phone.wait_for_load_state("load")
    no_horizontal_scroll(phone, PHONE["width"])
    axe_check(phone)


def test_operator_accepts_from_the_page(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.models import Event
    from jiewang.events.testing import make_event

    event = make_event(live_tree, live_people, live_loop, "reported", level="town")
    page = new_page(PHONE)
    url = f"/events/{event.number}/"
    login(page, live_server.url, live_people.town_operator, next_url=url)
    page.goto(live_server.url + url)
    form = page.locator('details[data-action="accept"]')
    if form.get_attribute("open") is None:  # the first action is open already
        form.locator("summary").click()
    form.locator("textarea").fill("同意立案")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator('[data-status="accepted"]').count() == 1
    assert page.locator(".msg.success").count() == 1
    assert Event.objects.get(pk=event.pk).status == "accepted"
    axe_check(page)
