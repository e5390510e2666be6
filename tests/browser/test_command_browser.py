"""The command center in a real browser: the operator accepts and then dispatches an event from
the queues with one button each (htmx swaps the row), the map draws the town's grids, the page passes axe-core and fits
a 360 px wide phone."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def _row(page, queue: str, number: str):
    return page.locator(f'#q-{queue} li.qrow[data-number="{number}"]')


def done_message(action: str) -> str:
    """The action's success message as the page shows it (the registry's, in zh-Hans)."""
    from django.utils import translation

    from jiewang.events import registry

    with translation.override("zh-hans"):
        return str(registry.get(action).done)


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
    # a row action that needs no input is one button (its optional comment is on the event page)
    row.locator('form[data-action="accept"] button[type=submit]').click()
    swapped = page.locator(f'li.qrow[data-number="{event.number}"] .msg.success', has_text=done_message("accept"))
    swapped.wait_for()
    assert Event.objects.get(pk=event.pk).status == "accepted"
    # the map draws the town's grids (Leaflet from static vendor/…)
    page.wait_for_selector("#map.ready .leaflet-interactive")
    axe_check(page)

    page.reload()
    row = _row(page, "dispatch", event.number)
    # one button dispatches to the category's default department (the full form is on the event page)
    row.locator('form[data-action="dispatch"] button[type=submit]').click()
    page.locator(f'li.qrow[data-number="{event.number}"] .msg.success', has_text=done_message("dispatch")).wait_for()
    ev = Event.objects.get(pk=event.pk)
    assert ev.status == "dispatched"
    a = Assignment.objects.get(event=ev)
    assert (a.department_id, a.role) == (live_loop.cgj.pk, "lead")
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
