"""Intake files an event under the locator's chain as it is now: a town's new code numbers the
next event, a renamed grid or a moved community is what the next event shows — in the process that
made the change at once, in the others at their next revision check."""

import pytest

from jiewang.accounts.models import User
from jiewang.areas import locator as loc
from jiewang.areas.models import Area
from jiewang.areas.services import area_move, area_update
from jiewang.events.models import Event, MatterCategory
from jiewang.events.services.intake import event_report

IN_G1 = {"lon": 106.05, "lat": 29.2}


@pytest.fixture
def report(tree, people, loop, settings):
    settings.LOCATOR_REVISION_CHECK_SECONDS = 3600  # only a forced check sees other processes' changes
    loc.get_locator(refresh=True)
    category = MatterCategory.objects.get(code="LS01")

    def make(title="路灯不亮", resident=False):
        worker = User.objects.get(pk=people.grid_worker.pk)  # a new request: grants read anew
        event, created = event_report(actor=None if resident else worker,
                                      channel="resident_web" if resident else "patrol", category=category,
                                      title=title, **IN_G1)
        assert created
        return event

    return make


def another_process(monkeypatch):
    """From here on, area changes reach this process only through the revision counter."""
    monkeypatch.setattr(loc, "forget_chains", lambda: None)


def later():
    loc._state["checked"] -= 3601


def stored(event):
    e = Event.objects.select_related("town", "community", "grid").get(pk=event.pk)
    return e.number, e.town.code, e.community.name, e.grid.name, e.area_path


@pytest.mark.django_db
def test_a_new_town_code_numbers_the_next_event_at_once(tree, report):
    assert report().number.startswith("500101001-")
    area_update(actor=None, area=tree.t1, code="500101099")
    event = report()
    assert event.number.startswith("500101099-") and event.number.endswith("-000002")
    assert stored(event)[:2] == (event.number, "500101099")


@pytest.mark.django_db
def test_another_process_numbers_with_the_new_code_after_its_check(tree, report, monkeypatch):
    report()
    another_process(monkeypatch)
    area_update(actor=None, area=tree.t1, code="500101099")
    assert report().number.startswith("500101001-")  # within the check interval: the old chain
    later()
    event = report()
    assert event.number.startswith("500101099-") and event.number.endswith("-000003")


@pytest.mark.django_db
def test_a_renamed_grid_is_what_the_next_event_shows(tree, report, monkeypatch):
    report()
    area_update(actor=None, area=tree.g1, name="甲社区一网格")
    assert report().grid.name == "甲社区一网格"
    another_process(monkeypatch)
    area_update(actor=None, area=tree.c1, name="甲街坊")
    assert report().community.name == "甲社区"
    later()
    event = report()
    assert (event.community.name, event.grid.name) == ("甲街坊", "甲社区一网格")
    assert stored(event)[2:4] == ("甲街坊", "甲社区一网格")


@pytest.mark.django_db
def test_a_moved_community_files_the_next_event_under_its_new_town(tree, report, monkeypatch):
    first = report()
    area_move(actor=None, area=tree.c1, parent=tree.t2)
    event = report()
    path = f"/{tree.city.id}/{tree.d1.id}/{tree.t2.id}/{tree.c1.id}/{tree.g1.id}/"
    assert stored(event) == (event.number, "500101002", "甲社区", "甲社区第1网格", path)
    assert event.number.startswith("500101002-") and event.number.endswith("-000001")
    assert event.town_id == tree.t2.id and event.community_id == tree.c1.id and event.grid_id == tree.g1.id
    assert Event.objects.get(pk=first.pk).town_id == tree.t1.id  # an event keeps where it was reported
    another_process(monkeypatch)
    area_move(actor=None, area=tree.c1, parent=tree.t1)
    # (a resident: the worker's grant is read fresh, under 一街道 again, and the stale chain is not)
    assert report(resident=True).town_id == tree.t2.id
    later()
    event = report()
    assert event.town_id == tree.t1.id and event.number.startswith("500101001-")
    assert event.area_path == Area.objects.get(pk=tree.g1.pk).path
