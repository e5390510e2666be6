"""Helpers of dispatching's tests: JSON posts to the API, and a snapshot of everything an action
may write about an event, so a refused action can be shown to change nothing."""

from __future__ import annotations

import json

API = "/api"


def api(client, path: str, body=None):
    """POST ``body`` as JSON to ``/api{path}``."""
    return client.post(API + path, data=json.dumps(body if body is not None else {}),
                       content_type="application/json")


def refused(response, status: int, code: str | None = None) -> dict:
    """Assert the API refused with ``status`` (and ``code``); the error body."""
    assert response.status_code == status, (response.status_code, response.content[:400])
    data = response.json()
    if code is not None:
        assert data["code"] == code, data
    return data


def snapshot(event) -> dict:
    """Everything about ``event`` an action may change: the event row, its activities, clocks,
    assignments, extension requests, whistles and summonses, whistle requests, notifications and
    audit entries."""
    from jiewang.audit.models import AuditEntry
    from jiewang.dispatching.models import Assignment, ExtensionRequest, Whistle, WhistleRequest, WhistleSummons
    from jiewang.events.models import Deadline, Event, EventActivity
    from jiewang.notifications.models import Notification

    e = Event.objects.get(pk=event.pk)
    return {
        "event": (e.status, e.version, e.level, e.due_at, e.is_overdue, e.rework_count),
        "activities": EventActivity.objects.filter(event=e).count(),
        "clocks": sorted(Deadline.objects.filter(event=e).values_list(
            "id", "kind", "subject_type", "subject_id", "state", "due_at")),
        "assignments": sorted(Assignment.objects.filter(event=e).values_list(
            "id", "department_id", "post_id", "role", "status", "signed_at", "returned_at", "feedback_at",
            "disputed_at", "arbitrated_at", "closed_at")),
        "extensions": sorted(ExtensionRequest.objects.filter(event=e).values_list("id", "status", "decided_at")),
        "whistles": Whistle.objects.filter(event=e).count(),
        "summonses": sorted(WhistleSummons.objects.filter(whistle__event=e).values_list(
            "id", "status", "reported_in_at", "rating", "escalated_at")),
        "whistle_requests": sorted(WhistleRequest.objects.filter(event=e).values_list(
            "id", "status", "decided_at", "decision_comment", "whistle_id")),
        "notifications": Notification.objects.filter(event_number=e.number).count(),
        "audit": AuditEntry.objects.count(),  # all of them: take the snapshot after any other setup
    }


def clocks(event, kind: str | None = None, subject=None) -> list[tuple]:
    """(kind, subject_type, subject_id, state) of the event's clocks, oldest first."""
    from jiewang.events.models import Deadline

    qs = Deadline.objects.filter(event_id=event.pk)
    if kind:
        qs = qs.filter(kind=kind)
    if subject is not None:
        qs = qs.filter(subject_id=subject.pk, subject_type="summons" if subject._meta.model_name ==
                       "whistlesummons" else "assignment")
    return list(qs.order_by("id").values_list("kind", "subject_type", "subject_id", "state"))


def running(event, kind: str, subject=None):
    """The one open clock of ``kind`` (about ``subject``, else the event itself)."""
    from jiewang.events.models import Deadline

    qs = Deadline.objects.filter(event_id=event.pk, kind=kind, state__in=["running", "warned", "overdue"])
    if subject is None:
        qs = qs.filter(subject_type="")
    else:
        qs = qs.filter(subject_id=subject.pk)
    return qs.get()


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def last_activity(event):
    from jiewang.events.models import EventActivity

    return EventActivity.objects.filter(event_id=event.pk).order_by("-id").first()
