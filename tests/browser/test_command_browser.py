"""The command center in a real browser: the operator accepts and then dispatches an event from
the queues (htmx swaps the row), the map draws the town's grids, the page passes axe-core and fits
a 360 px wide phone."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def _row(page, queue: str, number: str):
    return page.locator(f'#q-{queue} li.qrow[data-number="{number}"]')


def test_operator_accepts_and_dispatches_from_the_queue(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.dispatching.models import Assignment
    from jiewang.events.models import Event
    from jiewang.events.testing import make_event

    event = make_event(live_tree, live_people, live_loop, "reported", level="town")
    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.town_operator, next_url="/command/")
    page.goto(live_server.url + "/command/")
    page.wait_for_function("() => window.htmx !== undefined")
    row = _row(page, "accept", event.number)
    row.locator("button", has_text="受理").click()
    swapped = page.locator(f'li.qrow[data-number="{event.number}"] .msg.success', has_text="已立案")
    swapped.wait_for()
    assert Event.objects.get(pk=event.pk).status == "accepted"
    # the map draws the town's grids (Leaflet from static vendor/…)
    page.wait_for_selector("#map.ready .leaflet-interactive")
    axe_check(page)

    page.reload()
    row = _row(page, "dispatch", event.number)
    row.locator("summary", has_text="派遣").click()
    lead = row.locator('select[name="lead"]')
    assert lead.input_value() == str(live_loop.cgj.pk)  # the category's default department
    row.locator('input[name="instructions"]').fill("请城管主办")
    row.locator("button[type=submit]", has_text="派遣").click()
    page.locator(f'li.qrow[data-number="{event.number}"] .msg.success', has_text="已派遣").wait_for()
    ev = Event.objects.get(pk=event.pk)
    assert ev.status == "dispatched"
    assert Assignment.objects.get(event=ev).department_id == live_loop.cgj.pk
    axe_check(page)


def test_command_center_on_a_phone(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.testing import make_event

    for state in ("reported", "accepted", "handling", "feedback"):
        make_event(live_tree, live_people, live_loop, state, level="town")
    phone = new_page(PHONE)
    login(phone, live_server.url, live_people.town_operator, next_url="/command/")
    phone.goto(live_server.url + "/command/")
    phone.wait_for_load_state("load")
    # open every disclosure so the forms inside are checked too
    phone.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    no_horizontal_scroll(phone, PHONE["width"])
    axe_check(phone)
    # keyboard: the first queue action is reachable and shows a focus ring
    phone.locator("#q-accept button").first.focus()
    outline = phone.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
