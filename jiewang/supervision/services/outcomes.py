"""The one writer of an entry's outcome, and the activity hook that calls it.

An entry is answered when its addressee acts on the event (any activity written by the staff
of the handler it is addressed to: a sign-for, a feedback, an assisting department's report, an
extension request, a return …): in time when that is no later than its reply deadline, late
otherwise. An entry still open when the event's work ends (closed, rated, voided, merged) is
withdrawn: nobody has anything left to answer (a merged duplicate is voided, so it ends too). The hook runs inside the transaction of the
activity (``events.services.transition.register_activity_hook``), so the log and the event
never disagree.
"""

from __future__ import annotations

from django.db import transaction

from jiewang.audit.services import audit_record
from jiewang.events.lifecycle import ENDED

from ..choices import SupervisionOutcome
from ..lifecycle import OUTCOME
from ..models import SupervisionEntry
from ..targets import acts_for


@transaction.atomic
def entry_settle(*, entry: SupervisionEntry, move: str, at, actor=None, action: str = "") -> SupervisionEntry:
    """Move ``entry``'s outcome by ``move`` (``answer`` picks in time or late by its reply
    deadline; ``withdraw``). The only code that changes an outcome; the table refuses a settled
    entry (409 ``supervision.outcome_not_allowed``)."""
    locked = SupervisionEntry.objects.select_for_update().get(pk=entry.pk)
    if move == "answer":
        move = "answer_on_time" if at <= locked.reply_due_at else "answer_late"
        changes = {"answered_by": actor, "answer_action": action[:32]}
    else:
        changes = {}
    OUTCOME.apply(locked, move, at=at, changes=changes)
    audit_record(actor=actor, action=f"supervision.{move}", obj=locked,
                 data={"event": locked.event_id, "by_activity": action})
    return locked


def on_activity(event, activity) -> None:
    """Activity hook: settle the event's open entries this activity answers or ends."""
    if activity.action in ("remind", "supervise") and (activity.data or {}).get("manual"):
        from .entries import record_untargeted

        record_untargeted(event=event, activity=activity)
        return
    open_entries = list(SupervisionEntry.objects.filter(event_id=event.pk, outcome=SupervisionOutcome.OPEN)
                        .exclude(issued_at__gt=activity.at))
    if not open_entries:
        return
    ended = activity.to_status in ENDED and activity.from_status not in ENDED
    for entry in open_entries:
        if activity.actor_id and acts_for(activity.actor, entry.target_kind, entry.target_key[1]):
            entry_settle(entry=entry, move="answer", at=activity.at, actor=activity.actor, action=activity.action)
        elif ended:
            entry_settle(entry=entry, move="withdraw", at=activity.at, actor=activity.actor, action=activity.action)
