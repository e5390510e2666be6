"""The command center shows the alert queue; its buttons handle an alert through the services."""

from __future__ import annotations

import pytest

from jiewang.events.models import Event
from jiewang.warning.models import Alert
from jiewang.warning.testing import evaluate, report, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(tree, people, loop):
    rule(tree.t1, "cluster", {"category": "LS01", "count": 2, "hours": 2})
    report(hours_ago=1, title="井盖缺失"), report(hours_ago=0.5, title="井盖缺失")
    (a,) = evaluate()
    return a


def test_command_center_shows_the_queue(tree, people, alert, client_for):
    page = client_for(people.town_operator).get("/command/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-alert="{alert.pk}"' in html and alert.title in html
    assert f"/warnings/alerts/{alert.pk}/event/" in html
    # 二街道's people see nothing of 一街道's alert (an empty queue is not shown)
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    other = User.objects.create_user("t2_op", password="pw-t2-op-2026")
    RoleGrant.objects.create(user=other, role=Role.TOWN_OPERATOR, area=tree.t2)
    assert 'data-alert="' not in client_for(other).get("/command/").content.decode()


def test_convert_from_the_page(tree, people, alert, client_for):
    before = Event.objects.count()
    r = client_for(people.town_operator).post(f"/warnings/alerts/{alert.pk}/event/", {"next": "/command/"})
    assert r.status_code == 302 and r["Location"] == "/command/"
    assert Event.objects.count() == before + 1
    assert Alert.objects.get(pk=alert.pk).state == "converted"
    r = client_for(people.town_operator).post(f"/warnings/alerts/{alert.pk}/event/", {"next": "/command/"},
                                              follow=True)
    assert Event.objects.count() == before + 1  # refused: converted already


def test_other_district_cannot_touch_it(tree, people, alert, client_for):
    r = client_for(people.other_district_admin).post(f"/warnings/alerts/{alert.pk}/dismiss/", {"note": "x"})
    assert r.status_code == 302
    assert Alert.objects.get(pk=alert.pk).state == "open"
