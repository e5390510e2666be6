"""Handling an alert (the command center's people: operators, leaders, the district): acknowledge
it, dismiss it with a reason, or convert it in one step into

* an **event** through the real intake (channel ``sensor``: a sensing device's or the system's
  alert), at the alert's point, in the rule's category (a keyword alert: its event's category),
  the alert's id as the idempotency key, so a retried conversion never makes a second event; or
* a **supervision task**: a 催办 (``dispatching.services.supervision.event_supervise``) on each
  event behind the alert that is still being worked on, or, for an overdue-rate alert, on the
  department's (post's) overdue assignments' events.

Each step is a move of :data:`jiewang.warning.lifecycle.ALERT`, audited, in one transaction:
outside the actor's scope 404, a role that may not 403, the wrong state 409.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed
from jiewang.events.choices import EventChannel, EventSource, Urgency
from jiewang.events.lifecycle import ENDED
from jiewang.events.models import Deadline, Event, MatterCategory

from ..choices import ConvertTo, RuleKind
from ..lifecycle import ALERT
from ..models import Alert

SUPERVISE_AT_MOST = 20


def _locked(actor, alert: Alert) -> Alert:
    ensure_allowed(actor, Action.CHANGE, alert)
    return Alert.objects.select_for_update(of=("self",)).select_related("rule", "area", "device").get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert, note: str = "") -> Alert:
    locked = _locked(actor, alert)
    note = (note or "").strip()[:500]
    ALERT.apply(locked, "acknowledge", at=timezone.now(), changes={"acknowledged_by": actor, "note": note})
    audit_record(actor=actor, action="alert.acknowledge", obj=locked, data={"note": note})
    return locked


@transaction.atomic
def alert_dismiss(*, actor, alert: Alert, note: str) -> Alert:
    locked = _locked(actor, alert)
    ALERT.check("dismiss", locked.state)
    note = (note or "").strip()[:500]
    if not note:
        raise ValidationFailed("请说明忽略理由 / Say why the alert is dismissed.", code="alert.reason_required",
                               fields={"note": "required"})
    ALERT.apply(locked, "dismiss", at=timezone.now(), changes={"closed_by": actor, "note": note})
    audit_record(actor=actor, action="alert.dismiss", obj=locked, data={"note": note})
    return locked


def _category(alert: Alert) -> MatterCategory | None:
    if alert.category_id:
        return MatterCategory.objects.get(pk=alert.category_id)
    code = alert.rule.params.get("category")
    return MatterCategory.objects.filter(code=code).first() if code else None


def _to_event(actor, alert: Alert, note: str) -> tuple[Event, dict]:
    from jiewang.events.services.intake import event_report

    category = _category(alert)
    if alert.lon is None or category is None:
        raise Conflict("该预警无法转为事件（没有位置或类别）/ This alert has no point or category to report.",
                       code="alert.not_convertible", fields={"to": ConvertTo.EVENT})
    with translation.override(settings.LANGUAGE_CODE):
        origin = _("From the early warning rule: %(rule)s") % {"rule": alert.rule.name}
    description = "\n".join(x for x in (origin, note) if x)
    urgent = alert.kind in (RuleKind.SENSOR, RuleKind.KEYWORD)
    event, _created = event_report(actor=None, channel=EventChannel.SENSOR, category=category, lon=alert.lon, lat=alert.lat,
                            title=alert.title[:120], description=description, source=EventSource.PROACTIVE,
                            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
                            idempotency_key=f"warning-alert-{alert.pk}",
                            attributes={}, address=alert.device.name if alert.device_id else "")
    return event, {"event": event.number}


def _events_to_supervise(alert: Alert) -> list[Event]:
    if alert.kind == RuleKind.TREND:
        from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment

        target = {"department_id": alert.department_id} if alert.department_id else {"post_id": alert.post_id}
        late = Deadline.objects.filter(subject_type="assignment", overdue_at__isnull=False).values("subject_id")
        ids = Assignment.objects.filter(status__in=OPEN_ASSIGNMENT, pk__in=late, **target) \
            .values_list("event_id", flat=True)
        qs = Event.objects.filter(pk__in=ids)
    else:
        qs = Event.objects.filter(pk__in=alert.event_ids)
    return list(qs.exclude(status__in=ENDED).order_by("id")[:SUPERVISE_AT_MOST])


def _to_supervision(actor, alert: Alert, note: str) -> tuple[None, dict]:
    from jiewang.dispatching.services.supervision import event_supervise

    events = _events_to_supervise(alert)
    if not events:
        raise Conflict("没有可催办的在办事件 / No event in progress to supervise.",
                       code="alert.nothing_to_supervise", fields={"to": ConvertTo.SUPERVISION})
    with translation.override(settings.LANGUAGE_CODE):
        comment = note or _("Early warning: %(title)s") % {"title": alert.title}
    for event in events:
        event_supervise(event=event, actor=actor, action="remind", comment=comment[:500])
    return None, {"supervised": [e.number for e in events]}


@transaction.atomic
def alert_convert(*, actor, alert: Alert, to: str, note: str = "") -> Alert:
    """Convert the alert into an event or a supervision task (see the module doc)."""
    locked = _locked(actor, alert)
    ALERT.check("convert", locked.state)
    if to not in ConvertTo.values:
        raise ValidationFailed("转办方式无效 / Convert to an event or a supervision task.",
                               code="validation_failed", fields={"to": "event | supervision"})
    note = (note or "").strip()[:500]
    if to == ConvertTo.EVENT:
        event, data = _to_event(actor, locked, note)
    else:
        event, data = _to_supervision(actor, locked, note)
    detail = {**locked.detail, "converted": {"to": to, **data}}
    ALERT.apply(locked, "convert", at=timezone.now(),
                changes={"closed_by": actor, "note": note, "converted_event": event, "detail": detail})
    audit_record(actor=actor, action="alert.convert", obj=locked, data={"to": to, "note": note, **data})
    return locked
