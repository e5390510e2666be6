"""Who an entry is addressed to, and whether a person acts for that addressee.

The addressee is a handler in the sense of :mod:`jiewang.dispatching.handlers` (a department, a
post, or an area), found the same way for the ladder and for entries issued by hand:

* a clock about an assignment (sign-for): that assignment's handler;
* the event's handling clock, or an untargeted reminder: the open lead assignment's handler when
  the event is given to one, else the level holding the event;
* other clocks (accept, verify): the level holding the event — its grid, village/community, town
  or district (an area).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiewang.accounts.choices import Role
from jiewang.core.scope import user_grants
from jiewang.dispatching.handlers import AREA, DEPARTMENT, POST, handler_of, user_keys
from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment

# An area target is answered by anyone of the level holding that area (not a resident).
NOT_ACTING = frozenset({Role.RESIDENT, Role.DEPARTMENT_STAFF, Role.POST_STAFF, Role.BOARD_LEADER})


@dataclass(frozen=True)
class Target:
    kind: str  # department | post | area
    pk: int
    assignment: Assignment | None = None

    def fields(self) -> dict:
        return {"target_kind": self.kind, f"{self.kind}_id": self.pk, "assignment": self.assignment}


def of_assignment(a: Assignment) -> Target:
    kind, pk = handler_of(a)
    return Target(kind, pk, a)


def holding_area_id(event) -> int:
    """The area of the level holding the event (a district's event: the town's parent)."""
    if event.level == "grid" and event.grid_id:
        return event.grid_id
    if event.level in ("grid", "community") and event.community_id:
        return event.community_id
    if event.level == "district":
        return event.town.parent_id
    return event.town_id


def open_lead(event) -> Assignment | None:
    return Assignment.objects.filter(event=event, role="lead", status__in=OPEN_ASSIGNMENT) \
        .select_related("department", "post__board", "area").first()


def of_event(event, *, lead_first: bool = True) -> Target:
    """The holder of ``event``: its open lead assignment's handler, else the level holding it."""
    lead = open_lead(event) if lead_first else None
    if lead is not None:
        return of_assignment(lead)
    return Target(AREA, holding_area_id(event))


def of_clocks(rows, events: dict) -> dict[int, Target]:
    """The addressee of a ladder rung on each clock of ``rows`` (sweeper ``ClockRow``s; ``events``
    by id), read in two statements for the whole batch; a clock whose subject no longer exists,
    or a summons's (no ladder: its listener escalates it), has none."""
    subjects = Assignment.objects.in_bulk([r.subject_id for r in rows if r.subject_type == "assignment"])
    handled = [r.event_id for r in rows if not r.subject_type and r.kind == "handle"]
    leads = {a.event_id: a for a in Assignment.objects.filter(event_id__in=handled, role="lead",
                                                              status__in=OPEN_ASSIGNMENT)}
    out: dict[int, Target] = {}
    for r in rows:
        event = events.get(r.event_id)
        if event is None:
            continue
        if r.subject_type == "assignment":
            if r.subject_id in subjects:
                out[r.id] = of_assignment(subjects[r.subject_id])
        elif not r.subject_type:
            lead = leads.get(r.event_id) if r.kind == "handle" else None
            out[r.id] = of_assignment(lead) if lead is not None else Target(AREA, holding_area_id(event))
    return out


def acts_for(user, kind: str, pk: int) -> bool:
    """``user`` is staff of the handler (``kind``, ``pk``): its acts answer an entry addressed there."""
    if user is None:
        return False
    key = {"department": DEPARTMENT, "post": POST, "area": AREA}[kind], pk
    if key in user_keys(user):
        return True
    if kind != "area":
        return False
    return any(g.area_id == pk and g.role not in NOT_ACTING for g in user_grants(user))
