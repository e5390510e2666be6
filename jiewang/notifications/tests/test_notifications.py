import json

import pytest

from jiewang.notifications.models import Notification, OutboundMessage
from jiewang.notifications.senders import ConsoleSender
from jiewang.notifications.services import notify, outbox_send_pending




def post(c, url, body=None):
    return c.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.mark.django_db
def test_the_ones_who_must_act_are_told(tree, people, loop, client_for):
    worker, staff, center = (client_for(people.grid_worker), client_for(people.community_staff),
                             client_for(people.town_operator))
    n = post(client_for(people.resident), "/api/events", {"category": "SL02", "lon": 106.05, "lat": 29.2,
                                                          "title": "违建", "attributes": {"structure": "yard"}}).json()["number"]
    inbox = worker.get("/api/inbox").json()
    assert inbox["unread"] == 1 and inbox["items"][0]["event_number"] == n
    assert inbox["items"][0]["title"] == "待受理：违建"
    post(worker, f"/api/events/{n}/escalate", {"comment": "上报"})
    assert staff.get("/api/inbox").json()["unread"] == 1
    post(staff, f"/api/events/{n}/escalate", {"comment": "上报"})
    post(center, f"/api/events/{n}/accept")
    assert center.get("/api/inbox").json()["unread"] == 2  # to accept, then to dispatch
    post(center, f"/api/events/{n}/dispatch", {"lead_department_id": loop.cgj.id})
    cgj_inbox = client_for(loop.cgj_staff).get("/api/inbox").json()
    assert [i["title"] for i in cgj_inbox["items"]] == ["新派遣任务：违建"]
    assert client_for(loop.sthj_staff).get("/api/inbox").json()["unread"] == 0
    # the reporter learns nothing until it is closed; the other community hears nothing at all
    assert client_for(people.other_community_staff).get("/api/inbox").json()["unread"] == 0
    assert post(worker, "/api/inbox/read").json()["marked"] == 1
    assert worker.get("/api/inbox").json()["unread"] == 0


@pytest.mark.django_db
def test_urgent_events_queue_sms_sent_after_commit_by_the_worker(tree, people, loop, client_for):
    ConsoleSender.sent.clear()
    r = post(client_for(people.resident), "/api/events", {"category": "SL04", "lon": 106.05, "lat": 29.2,
                                                          "title": "燃气味", "urgency": "urgent",
                                                          "attributes": {"hazard": ["fire"]}})
    assert r.status_code == 201
    msg = OutboundMessage.objects.get()
    assert (msg.channel, msg.status, msg.address) == ("sms", "pending", "13800138000")
    assert ConsoleSender.sent == []  # nothing leaves during the request
    assert outbox_send_pending() == 1
    assert ConsoleSender.sent[0][0] == "13800138000" and "燃气味" in ConsoleSender.sent[0][2]
    assert outbox_send_pending() == 0  # never twice
    assert OutboundMessage.objects.get().status == "sent"


class FailingSender:
    def send(self, **kw):
        raise ConnectionError("gateway down")


@pytest.mark.django_db
def test_failed_sends_are_retried_then_given_up(people, settings):
    import datetime as dt

    from django.utils import timezone

    settings.NOTIFICATION_SENDERS = {"sms": "jiewang.notifications.tests.test_notifications.FailingSender"}
    notify(users=[people.grid_worker], kind="t", title="x", sms=True)
    now = timezone.now()
    for i in range(5):
        outbox_send_pending(now=now + dt.timedelta(hours=i * 2))
    msg = OutboundMessage.objects.get()
    assert (msg.status, msg.attempts, msg.last_error) == ("failed", 5, "gateway down")
    assert Notification.objects.filter(recipient=people.grid_worker).count() == 1


@pytest.mark.django_db
def test_inbox_needs_sign_in_and_is_private(people, client_for):
    notify(users=[people.grid_worker], kind="t", title="只给网格员")
    assert client_for(None).get("/api/inbox").status_code == 401
    assert client_for(people.community_staff).get("/api/inbox").json() == {"unread": 0, "items": []}
    # marking someone else's notification read does nothing
    nid = Notification.objects.get().id
    assert post(client_for(people.community_staff), "/api/inbox/read", {"ids": [nid]}).json()["marked"] == 0


@pytest.mark.django_db
def test_the_sweeper_tells_who_must_act_and_supervision_reaches_leaders(tree, people, loop, settings):
    import datetime as dt

    from jiewang.events.models import Deadline
    from jiewang.events.services.sweep import deadline_sweep
    from jiewang.events.testing import make_event

    e = make_event(tree, people, loop, "reported", level="town")
    Notification.objects.all().delete()
    clock = Deadline.objects.get(event=e, kind="accept", state="running")
    step = dt.timedelta(hours=settings.SUPERVISION_STEP_HOURS if hasattr(settings, "SUPERVISION_STEP_HOURS") else 4)
    t = clock.due_at + dt.timedelta(seconds=1)
    deadline_sweep(now=t)  # overdue → the town operator
    deadline_sweep(now=t + step)  # 催办 → the town operator
    deadline_sweep(now=t + 2 * step)  # 督办 → the operator and the town leaders
    got = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert got == [("town_leader", "deadline.supervise"), ("town_operator", "deadline.overdue"),
                   ("town_operator", "deadline.remind"), ("town_operator", "deadline.supervise")]
