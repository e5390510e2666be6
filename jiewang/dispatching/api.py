"""HTTP API of dispatching's reads (a task sent down is created through the duty admission gate:
``POST /api/tasks`` is ``jiewang.admission``'s). Its verbs (dispatch, sign for, whistle, report in …) are rows
of the action registry (``jiewang.dispatching.action_table``), whose routes are produced by
``jiewang.events.api_actions``."""

from ninja import Router

from jiewang.events import selectors as event_selectors

from . import selectors
from .schemas import AssignmentOut, assignment_out

router = Router(tags=["dispatching"])
event_router = Router(tags=["events"])


@event_router.get("/{number}/assignments", response=list[AssignmentOut], summary="The event's assignments")
def event_assignments(request, number: str):
    event = event_selectors.event_get(user=request.user, number=number)
    return [assignment_out(a) for a in selectors.assignment_list(user=request.user, event=event)]
