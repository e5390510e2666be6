"""The big screen (大屏) in a real browser at exactly 1920×1080: it fills the screen without
scrolling and without a panel overflowing, draws its charts with the vendored ECharts and its map
with Leaflet, shows the duty's open alarms (an emergency flashing), the latest early-warning
alerts and the whistles not yet answered, and refetches everything on its own (the clock
fast-forwarded): a new event and a new emergency appear without a reload."""

import os

from .conftest import axe_check, login

SCREEN = {"width": 1920, "height": 1080}
SHOTS = os.environ.get("JIEWANG_SHOTS", "")  # a folder: save screenshots there (for a look by eye)

# Every panel, list and chart must fit inside its box: none may be cut by the layout.
OVERFLOWS = """() => {
  const out = [];
  const screen = document.getElementById('screen').getBoundingClientRect();
  document.querySelectorAll('#screen .scr-panel, #screen .scr-col, #screen .scr-grid').forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.right > screen.right + 0.5 || r.bottom > screen.bottom + 0.5) out.push('outside: ' + el.className);
    if (el.scrollHeight > el.clientHeight + 1) out.push('overflows: ' + el.className + ' ' + (el.id || (el.querySelector('[id]') || {}).id) + ' ' + el.scrollHeight + '>' + el.clientHeight);
  });
  return out;
}"""


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def test_the_big_screen_draws_and_refreshes_itself(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.dispatching.services.whistles import whistle_blow
    from jiewang.duty.testing import put_on_roster, today, urgent_event
    from jiewang.events.testing import make_event
    from jiewang.stats.services.rollups import rollups_apply
    from jiewang.warning.testing import evaluate, report, rule

    t, p = live_tree, live_people
    make_event(t, p, live_loop, "closed")
    handling = make_event(t, p, live_loop, "handling", at=(106.2, 29.2))
    whistle_blow(event=handling, actor=p.admin, departments=[live_loop.sthj], problem="联合执法")
    put_on_roster(t.t1, today(), p.town_leader)
    urgent_event(t, p, live_loop, title="化工厂泄漏")  # 紧急: red, steady
    rule(t.t1, "keyword", {"words": ["讨薪"]}, name="敏感词")
    report(title="农民工讨薪")
    assert len(evaluate()) == 1
    rollups_apply()

    page = new_page(SCREEN)
    login(page, live_server.url, p.town_leader, next_url="/command/")
    assert page.locator("#situation").count() == 1  # the top of the command center
    page.wait_for_function("() => document.querySelector('#situation-trend canvas') !== null")
    page.clock.install()
    page.goto(f"{live_server.url}/command/screen/?area={t.t1.id}")
    for chart in ("c-trend", "c-boards", "c-categories", "c-rates"):
        page.wait_for_function(f"() => document.querySelector('#{chart} canvas') !== null")
    page.wait_for_function(f"() => document.querySelector('[data-sitmap]').dataset.drawn === '{t.t1.id}:new_month:2'")
    assert page.locator(".sit-map-label").count() == 2  # 甲社区, 乙社区 with their values
    assert page.locator("#k-today-new").inner_text() == "4"
    assert page.locator("#k-now-open").inner_text() == "3"
    assert page.locator("#k-today-closed").inner_text() == "1"
    assert page.locator("#k-whistles").inner_text() == "1"
    assert page.locator("#l-whistles li").count() == 1
    alarms = page.locator("#l-alarms li")
    assert alarms.count() == 1 and "化工厂泄漏" in alarms.inner_text()
    assert "scr-flash" not in alarms.get_attribute("class")  # 紧急: not an emergency
    assert "农民工讨薪" in page.locator("#l-alerts").inner_text()

    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, size
    box = page.locator("#screen").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (1920, 1080)
    shot(page, "situation-screen-before")
    assert page.evaluate(OVERFLOWS) == []
    axe_check(page)

    # Without a reload: a new event and an emergency (重大) arrive, the worker counts them
    first = page.evaluate("() => document.getElementById('screen').dataset.renderedAt")
    make_event(t, p, live_loop, "handling", at=(106.3, 29.2))
    urgent_event(t, p, live_loop, urgency="emergency", title="燃气爆炸")
    rollups_apply()
    with page.expect_response(lambda r: "/api/situation" in r.url and "days=90" in r.url) as resp:
        page.clock.run_for(31_000)
    assert resp.value.status == 200
    page.wait_for_function(f"() => document.getElementById('screen').dataset.renderedAt !== '{first}'")
    assert "90" in page.locator("#trend-title").inner_text()
    page.wait_for_function("() => document.getElementById('k-today-new').textContent === '6'")
    assert page.locator("#k-now-open").inner_text() == "5"
    page.wait_for_function("() => document.querySelectorAll('#l-alarms li').length === 2")
    flashing = page.locator("#l-alarms li.scr-flash")
    assert flashing.count() == 1 and "燃气爆炸" in flashing.inner_text()
    assert "scr-alarming" in page.locator("#p-alarms").get_attribute("class")
    assert page.locator("#k-alarms").inner_text() == "2"
    # the map turned to the next figure by itself: open now, 乙社区 now has one
    page.wait_for_function(f"() => document.querySelector('[data-sitmap]').dataset.drawn === '{t.t1.id}:open:2'")
    assert page.locator("#scr-stale").is_hidden()
    assert page.evaluate(OVERFLOWS) == []
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, size
    shot(page, "situation-screen")
