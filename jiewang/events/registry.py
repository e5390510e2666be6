"""The one registry of actions on an event.

Every verb on an event is one :class:`EventAction` row: its name, the lifecycle moves it may
make, who may do it (roles held on the event, or being staff of the handler an assignment or
summons is for: a department, a post, an area the work was sent down to), its input schema, the function that calls its service, what the API answers and
where the pages offer it. Apps add rows in ``ready()`` (events: :mod:`.action_table`;
dispatching: ``jiewang.dispatching.action_table``). From the rows are produced:

* the API: ``POST /api/events/{number}/{action}`` for each row, and for a row acting on a
  sub-object also ``POST /api/{assignments|summonses|extensions}/{id}/{action}``
  (:mod:`jiewang.events.api_actions`);
* the pages: the event page's action panel, the command center's and the department's row
  actions, all through one form view (:mod:`jiewang.web.actions`);
* ``docs/lifecycle.md`` (who may make each move).

Services call :func:`authorize` first: an event (or sub-object) outside the actor's scope is
not found (404), a state the action does not apply to is 409, an event the actor may see but not
act on is 403; only then is the input validated (422). The pages ask :func:`offered` (the same rule,
without raising) to decide which forms to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from collections.abc import Callable

from jiewang.core.errors import Conflict, NotFound, PermissionDenied

from .lifecycle import EVENT, LEVEL_ROLES, SYSTEM, TransitionNotAllowed

# Precedence when an actor holds several allowed roles on the event: record the most specific.
ROLE_ORDER = ["department_staff", "post_staff", "department_assist", "grid_worker", "community_staff",
              "town_operator", "board_leader", "town_leader", "district_admin", "resident", SYSTEM]
SURFACES = frozenset({"event_page", "command", "department"})


@dataclass(frozen=True)
class Subject:
    """A kind of sub-object an action acts upon (an assignment, a whistle summons, an extension
    request): how to load one by id, which event it belongs to, under which role a user acts as
    staff of its handler (承办方: department, post or area; None when not), the event's candidates
    (for the pages) and a short description (shown beside its form)."""

    name: str
    param: str  # the body/form field carrying its id, e.g. "assignment_id"
    plural: str  # its own URL segment, e.g. "assignments"
    load: Callable[[int], Any]  # by id, unscoped (authorization decides), or None
    event_id_of: Callable[[Any], int]
    candidates: Callable[[Any], list]  # (event) -> its sub-objects, for the pages
    handler_role: Callable[[Any, Any], str | None] = lambda user, obj: None  # (user, obj) -> role
    describe: Callable[[Any], str] = str


@dataclass(frozen=True)
class Response:
    """What the API answers: the status, the ninja schema, and how to shape the service's result."""

    status: int
    schema: Any
    shape: Callable[[Any, Any], Any]  # (result, context) -> data


@dataclass(frozen=True)
class EventAction:
    name: str
    label: str  # the Chinese term (timeline, docs)
    title: Any  # the button (English msgid, lazily translated)
    roles: frozenset[str]
    schema: Any  # a ninja Schema: the input, for the API and the page form
    run: Callable  # (context, payload) -> result; calls the service
    response: Response
    moves: tuple[str, ...] = ()  # lifecycle moves it may make; offered only from their sources
    level_bound: bool = False  # only the roles of the level holding the event
    statuses: frozenset[str] | None = None  # for actions that make no move: the statuses it applies in
    subject: str = ""  # "" (the event itself) or a registered Subject's name
    subject_handler: bool = False  # who: staff of the subject's handler (department, post, area)
    # who, by the subject: the roles it admits (e.g. a summons is rated by the level that blew the
    # whistle), intersected with ``roles``; ``who`` says it in words for docs/lifecycle.md.
    subject_roles: Callable[[Any], frozenset[str]] | None = None
    who: str = ""
    # The subject is in a state the action applies to: True, or False / a 409 code saying why not.
    subject_ok: Callable[[Any], bool | str] | None = None
    subject_conflict: str = ""  # the 409 code when it is not
    status_conflict: str = ""  # the 409 code when the event's status does not fit (no moves)
    when: Callable[[Any], bool] | None = None  # further conditions for offering it (not for refusing)
    path: str = ""  # the URL segment under /api/events/{number}/ (default: the name with hyphens)
    subject_path: str = ""  # the URL segment under the sub-object's own route (default: the same)
    surfaces: frozenset[str] = frozenset({"event_page"})
    labels: dict = field(default_factory=dict)  # form field -> label (lazy)
    choices: dict = field(default_factory=dict)  # form field -> (context) -> (choices, default)
    hidden: tuple[str, ...] = ()  # form fields sent as hidden values (besides version and subject)
    done: Any = None  # the success message
    attachments: bool = False  # the page form may attach photos (written in the same transaction)
    multipart: bool = False  # the API takes multipart/form-data (a file)
    primary: bool = False  # shown as the main button of a row
    description: str = ""

    @property
    def url_segment(self) -> str:
        return self.path or self.name.replace("_", "-")

    @property
    def subject_segment(self) -> str:
        return self.subject_path or self.url_segment

    @property
    def sources(self) -> frozenset[str]:
        if self.statuses is not None:
            return self.statuses
        return frozenset(s for m in self.moves for s in EVENT.move(m).sources)


REGISTRY: dict[str, EventAction] = {}
SUBJECTS: dict[str, Subject] = {}


def register(*actions: EventAction) -> None:
    for a in actions:
        assert a.name not in REGISTRY or REGISTRY[a.name] is a, f"action {a.name!r} registered twice"
        assert set(a.moves) <= set(EVENT.by_name), f"{a.name}: unknown move"
        assert a.surfaces <= SURFACES, f"{a.name}: unknown surface"
        assert not a.subject or a.subject in SUBJECTS, f"{a.name}: register subject {a.subject!r} first"
        REGISTRY[a.name] = a
    _FROM_STATUS.clear()


def register_subject(subject: Subject) -> None:
    SUBJECTS[subject.name] = subject


def get(name: str) -> EventAction:
    try:
        return REGISTRY[name]
    except KeyError:
        raise NotFound("操作不存在 / Unknown action.", code="action.unknown") from None


def actions() -> list[EventAction]:
    return list(REGISTRY.values())


_FROM_STATUS: dict[str, tuple[str, ...]] = {}


def names_from(status: str) -> tuple[str, ...]:
    """The names, sorted, of the actions whose status rule lets them apply to an event in
    ``status`` (who may do them is another matter). Computed once per status; every event in the
    API carries this list, so it is on the intake's hot path."""
    hit = _FROM_STATUS.get(status)
    if hit is None:
        hit = _FROM_STATUS[status] = tuple(sorted(a.name for a in REGISTRY.values() if status in a.sources))
    return hit


class ActionContext:
    """One user, one event, maybe one sub-object: what the rules look at (computed once)."""

    def __init__(self, user, event, subject=None, files=None):
        self.user, self.event, self.subject, self.files = user, event, subject, files

    @cached_property
    def held(self) -> set[str]:
        from .roles import actor_roles_on_event

        return actor_roles_on_event(self.user, self.event)


def role_for(action: EventAction, ctx: ActionContext) -> str | None:
    """The role under which ``ctx.user`` may do ``action`` on this event (and subject), or None."""
    user = ctx.user
    if user is None:
        return SYSTEM if SYSTEM in action.roles else None
    if user.is_superuser:
        return "superuser"
    if action.subject_handler:
        if ctx.subject is None:
            return None
        role = SUBJECTS[action.subject].handler_role(user, ctx.subject)
        return role if role is not None and role in action.roles else None
    allowed = set(action.roles)
    if action.level_bound:
        allowed &= set(LEVEL_ROLES.get(ctx.event.level, ()))
    if action.subject_roles is not None and ctx.subject is not None:
        allowed &= set(action.subject_roles(ctx.subject))
    held = ctx.held & allowed
    if not held:
        return None
    return sorted(held, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)[0]


def applies(action: EventAction, ctx: ActionContext) -> bool:
    """The event's status (and the subject's state) let the action be done now."""
    if ctx.event.status not in action.sources:
        return False
    if action.subject and (ctx.subject is None or (action.subject_ok and action.subject_ok(ctx.subject) is not True)):
        return False
    return True


def offered(action: EventAction, ctx: ActionContext) -> bool:
    """Show the action's form: allowed, applicable, and any further condition of the row."""
    return (role_for(action, ctx) is not None and applies(action, ctx)
            and (action.when is None or action.when(ctx)))


def visible(actor, event) -> bool:
    from jiewang.core.scope import Action, restrict

    from .models import Event

    return restrict(Event.objects.filter(pk=event.pk), actor, Action.VIEW).exists()


def ensure_visible(actor, event) -> None:
    """404 when ``actor`` cannot see ``event`` (checked before anything else is read from a request)."""
    if actor is not None and not actor.is_superuser and not visible(actor, event):
        raise not_found()


def not_found():
    return NotFound("事件不存在 / Event not found.", code="event.not_found")


def authorize(name: str, *, actor, event, subject=None) -> str:
    """Check that ``actor`` may do action ``name`` on ``event`` (and ``subject``) now; the role
    it acts under. Raises, in this order: 404 (outside scope, or a subject of another event),
    409 (not in a state the action applies to), 403 (visible but not allowed). Input is
    validated after this (422)."""
    action = get(name)
    if action.subject:
        if subject is None or SUBJECTS[action.subject].event_id_of(subject) != event.pk:
            raise NotFound("对象不存在 / Not found.", code=f"{action.subject}.not_found")
    ctx = ActionContext(actor, event, subject)
    role = role_for(action, ctx)
    if role is None and actor is not None and not visible(actor, event):
        raise not_found()
    if event.status not in action.sources:
        if action.moves:
            raise TransitionNotAllowed(
                f"当前状态不能执行「{action.label}」/ '{name}' is not allowed from '{event.status}'.",
                fields={"action": name, "status": event.status})
        raise Conflict(f"当前状态不能执行「{action.label}」/ '{name}' does not apply to a '{event.status}' event.",
                       code=action.status_conflict or f"{name}.not_open",
                       fields={"action": name, "status": event.status})
    verdict = action.subject_ok(subject) if action.subject and action.subject_ok else True
    if verdict is not True:
        code = verdict if isinstance(verdict, str) else action.subject_conflict or f"{name}.not_applicable"
        raise Conflict(f"「{action.label}」不适用于该对象的当前状态 / '{name}' does not apply to it now.",
                       code=code, fields={"action": name})
    if role is None:
        raise PermissionDenied(f"您无权执行「{action.label}」/ You may not do '{name}' here"
                               f" (the event is held at level '{event.level}').",
                               code="event.action_not_permitted", fields={"action": name})
    return role
