"""HTTP API of dispatching's reads, and the creation of a task sent down (交办任务). Its verbs (dispatch, sign for, whistle, report in …) are rows
of the action registry (``jiewang.dispatching.action_table``), whose routes are produced by
``jiewang.events.api_actions``."""

from ninja import Router, Status

from jiewang.events import selectors as event_selectors

from . import selectors
from .schemas import AssignmentOut, TaskIn, assignment_out

router = Router(tags=["dispatching"])
event_router = Router(tags=["events"])


@event_router.get("/{number}/assignments", response=list[AssignmentOut], summary="The event's assignments")
def event_assignments(request, number: str):
    event = event_selectors.event_get(user=request.user, number=number)
    return [assignment_out(a) for a in selectors.assignment_list(user=request.user, event=event)]


@router.post("/tasks", response={201: AssignmentOut}, summary="Send a task down to a village/community or grid")
def create_task(request, payload: TaskIn):
    """A stand-alone task with a deadline and a checklist (交办任务), given to the area at once:
    the command center or a board leader of the area's town. 404 for an area or category you
    cannot see, 403 without a sender's role, 422 for bad input."""
    from jiewang.core.errors import NotFound

    from .services.sending import resolve_area, task_send_down

    area = resolve_area(actor=request.user, area_id=payload.area_id)
    category = event_selectors.category_list(user=request.user).filter(code=payload.category_code).first()
    if category is None:
        raise NotFound("事项类别不存在 / Unknown category.", code="event.category_unknown")
    a = task_send_down(actor=request.user, area=area, category=category, title=payload.title,
                       description=payload.description, due_at=payload.due_at, checklist=payload.checklist,
                       urgency=payload.urgency)
    return Status(201, assignment_out(a))
