"""Scope first: an event, assignment, summons or extension request outside the caller's scope is
404 for every dispatching action, on both of its routes, before its body is even read (an empty
or nonsensical body included); nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from jiewang.dispatching import action_table
from jiewang.dispatching.models import ExtensionRequest
from jiewang.dispatching.services import assignments as svc
from jiewang.dispatching.services import whistles as wsvc
from jiewang.events import registry

from .helpers import api, refused, snapshot

pytestmark = pytest.mark.django_db
G4 = (106.7, 29.5)  # 丙村第1网格, 南区: another district
BODIES = [{}, {"comment": 1, "department_ids": "x", "approve": "maybe", "rating": 99}]


@pytest.fixture
def foreign(walk, people):
    """A handling event of 南区 with its lead assignment, a summons, a pending extension and a
    pending whistle request."""
    from jiewang.dispatching.services.whistle_requests import whistle_request_create

    e = walk("handling", at=G4, lead=people.other_department)
    s = wsvc.whistle_blow(event=e, actor=people.admin, departments=[people.other_department],
                          problem="x").summonses.get()
    svc.extension_request(event=e, actor=people.admin, requested_due_at=e.due_at + dt.timedelta(days=1), reason="x")
    wr = whistle_request_create(event=e, actor=people.admin, departments=[people.other_department], problem="x")
    return {"event": e, "assignment": e.assignments.get(), "summons": s,
            "extension": ExtensionRequest.objects.get(event=e), "whistle_request": wr}


def test_every_dispatching_action_on_a_foreign_event_is_404(foreign, people, loop, client_for):
    e = foreign["event"]
    before = snapshot(e)
    names = [row.name for row in action_table.ROWS]
    assert {"dispatch", "redispatch", "arbitrate", "sign", "return", "dispute", "assist_feedback", "extension",
            "decide_extension", "whistle", "report_in", "rate_summons", "remind", "supervise", "request_whistle",
            "approve_whistle_request", "decline_whistle_request", "withdraw_whistle_request"} <= set(names)
    for user in (people.town_operator, people.district_admin, people.grid_worker, loop.cgj_staff):
        c = client_for(user)
        for name in names:
            action = registry.get(name)
            for body in BODIES:
                body = dict(body)
                if action.subject:
                    body[registry.SUBJECTS[action.subject].param] = foreign[action.subject].pk
                r = api(c, f"/events/{e.number}/{action.url_segment}", body)
                refused(r, 404)
                if action.subject:
                    plural = registry.SUBJECTS[action.subject].plural
                    r = api(c, f"/{plural}/{foreign[action.subject].pk}/{action.subject_segment}", {})
                    refused(r, 404)
    assert snapshot(e) == before


def test_a_foreign_sub_object_named_on_an_own_event_is_404(foreign, walk, people, loop, client_for):
    own = walk("handling")
    before, before_foreign = snapshot(own), snapshot(foreign["event"])
    op = client_for(people.town_operator)
    refused(api(op, f"/events/{own.number}/decide-extension",
                {"request_id": foreign["extension"].pk, "approve": True}), 404, "extension.not_found")
    refused(api(op, f"/events/{own.number}/arbitrate",
                {"assignment_id": foreign["assignment"].pk, "keep": True, "comment": "x"}), 404,
            "assignment.not_found")
    refused(api(op, f"/events/{own.number}/rate-summons",
                {"summons_id": foreign["summons"].pk, "attended": True, "rating": 5}), 404, "summons.not_found")
    refused(api(client_for(people.admin), f"/events/{own.number}/sign",
                {"assignment_id": foreign["assignment"].pk}), 404, "assignment.not_found")
    assert snapshot(own) == before and snapshot(foreign["event"]) == before_foreign
