"""Reads for dispatching, scoped through the events they belong to."""

from __future__ import annotations

from django.db.models import QuerySet

from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict
from jiewang.events.models import Event

from .models import Assignment, ExtensionRequest, WhistleSummons


def _visible_events(user) -> QuerySet:
    return restrict(Event.objects.all(), user, Action.VIEW).values("id")


def assignment_get(*, user, assignment_id: int) -> Assignment:
    a = Assignment.objects.select_related("event", "department").filter(
        pk=assignment_id, event_id__in=_visible_events(user)).first()
    if a is None:
        raise NotFound("任务不存在 / Assignment not found.", code="assignment.not_found")
    return a


def assignment_list(*, user, event: Event) -> list[Assignment]:
    return list(Assignment.objects.filter(event=event).select_related("department", "post").order_by("id"))


def extension_get(*, user, request_id: int) -> ExtensionRequest:
    r = ExtensionRequest.objects.select_related("event").filter(
        pk=request_id, event_id__in=_visible_events(user)).first()
    if r is None:
        raise NotFound("延期申请不存在 / Extension request not found.", code="extension.not_found")
    return r


def summons_get(*, user, summons_id: int) -> WhistleSummons:
    s = WhistleSummons.objects.select_related("whistle__event", "department").filter(
        pk=summons_id, whistle__event_id__in=_visible_events(user)).first()
    if s is None:
        raise NotFound("召集不存在 / Summons not found.", code="summons.not_found")
    return s


def _work_q(keys, board_ids):
    from .handlers import assignments_q, board_q

    q = assignments_q(keys)
    if board_ids:
        q |= board_q(board_ids)
    return q


def handler_queue(*, user, keys, board_ids=()) -> QuerySet:
    """Open assignments of the handlers ``keys`` (:mod:`.handlers`) and of the posts of the
    boards ``board_ids`` (a board leader's view): the handler workbench."""
    from .models import OPEN_ASSIGNMENT

    return Assignment.objects.filter(_work_q(keys, board_ids), status__in=OPEN_ASSIGNMENT) \
        .select_related("event", "department", "post__board", "area").order_by("dispatched_at", "id")


# ---- the command center's and the department workbench's queues ---------------------------

def _scoped_events(user, filters: dict) -> QuerySet:
    from jiewang.events.selectors import event_list

    return event_list(user=user, **filters).order_by().values("id")


def extension_pending_list(*, user, **filters) -> QuerySet:
    """Extension requests awaiting the command center's decision, oldest first."""
    from .models import ExtensionStatus

    return ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING, event_id__in=_scoped_events(user, filters)) \
        .select_related("event", "event__grid", "event__category", "assignment__department", "requested_by") \
        .order_by("requested_at", "id")


def dispute_pending_list(*, user, **filters) -> QuerySet:
    """Assignments whose department disputes its responsibility and awaits arbitration."""
    from .models import OPEN_ASSIGNMENT

    return Assignment.objects.filter(disputed_at__isnull=False, arbitrated_at__isnull=True,
                                     status__in=OPEN_ASSIGNMENT, event_id__in=_scoped_events(user, filters)) \
        .select_related("event", "event__grid", "event__category", "department").order_by("disputed_at", "id")


def summons_missing_list(*, user, **filters) -> QuerySet:
    """Summonses of open whistles not reported in yet (still summoned, or missed and escalated),
    the ones past their deadline first."""
    from .models import SummonsStatus

    return WhistleSummons.objects.filter(status__in=[SummonsStatus.SUMMONED, SummonsStatus.MISSED],
                                         whistle__closed_at__isnull=True,
                                         whistle__event_id__in=_scoped_events(user, filters)) \
        .select_related("whistle", "whistle__event", "whistle__event__grid", "department") \
        .order_by("whistle__report_in_due_at", "id")


def whistle_request_pending_list(*, user, **filters) -> QuerySet:
    """Whistle requests (吹哨申请) awaiting the command center, urgent first, then oldest first."""
    from .models import WhistleRequest, WhistleRequestStatus

    return WhistleRequest.objects.filter(status=WhistleRequestStatus.PENDING,
                                         event_id__in=_scoped_events(user, filters)) \
        .select_related("event", "event__grid", "area", "requested_by").prefetch_related("departments") \
        .order_by("-is_urgent", "requested_at", "id")


def whistle_request_get(*, user, request_id: int):
    from .models import WhistleRequest

    r = WhistleRequest.objects.select_related("event", "event__grid", "area", "requested_by").filter(
        pk=request_id, event_id__in=_visible_events(user)).first()
    if r is None:
        raise NotFound("吹哨申请不存在 / Whistle request not found.", code="whistle_request.not_found")
    return r


def summons_to_rate_list(*, user, level: str = "town", **filters) -> QuerySet:
    """Summonses of whistles blown at ``level`` whose department reported in (or missed it) and
    that nobody rated yet: the summoning level's ratings to give (双向考核)."""
    from .models import SummonsStatus

    return WhistleSummons.objects.filter(rating__isnull=True, whistle__level=level,
                                         status__in=[SummonsStatus.REPORTED_IN, SummonsStatus.LATE,
                                                     SummonsStatus.MISSED],
                                         whistle__event_id__in=_scoped_events(user, filters)) \
        .select_related("whistle", "whistle__event", "whistle__event__grid", "department") \
        .order_by("whistle__blown_at", "id")


def whistle_requests_of_event(*, user, event: Event) -> list:
    """Every whistle request of ``event`` (the caller has read the event through a selector)."""
    from .models import WhistleRequest

    return list(WhistleRequest.objects.filter(event=event).select_related("area", "requested_by", "decided_by")
                .prefetch_related("departments").order_by("requested_at", "id"))


def whistles_in_progress(*, user, **filters) -> QuerySet:
    """Open whistles (not closed) on events in the user's scope, newest first."""
    from .models import Whistle

    return Whistle.objects.filter(closed_at__isnull=True, event_id__in=_scoped_events(user, filters)) \
        .select_related("event").order_by("-blown_at", "-id")


def department_summons_list(*, user, department_ids) -> QuerySet:
    """Summonses of the given departments still waiting for their report-in."""
    from .models import SummonsStatus

    return WhistleSummons.objects.filter(department_id__in=department_ids,
                                         status__in=[SummonsStatus.SUMMONED, SummonsStatus.MISSED],
                                         whistle__closed_at__isnull=True) \
        .select_related("whistle", "whistle__event", "department").order_by("whistle__report_in_due_at", "id")


def handler_history(*, user, keys, board_ids=(), limit: int = 20) -> list[Assignment]:
    """The handlers' (and the led boards') most recently finished assignments (done, returned
    or withdrawn)."""
    from .models import AssignmentStatus

    return list(Assignment.objects.filter(_work_q(keys, board_ids), status__in=[
        AssignmentStatus.DONE, AssignmentStatus.RETURNED, AssignmentStatus.WITHDRAWN])
        .select_related("event", "department", "post__board", "area").order_by("-closed_at", "-id")[:limit])


def assignment_clocks(*, user, assignments) -> dict[int, dict]:
    """For each assignment: its open sign-for clock, the event's open handling clock and whether
    an extension request is pending: ``{assignment_id: {"sign": Deadline|None, "handle":
    Deadline|None, "extension_pending": bool}}``."""
    from jiewang.events.models import Deadline
    from jiewang.events.services.clocks import OPEN_STATES

    from .models import ExtensionStatus

    assignments = list(assignments)
    event_ids = {a.event_id for a in assignments}
    ids = {a.pk for a in assignments}
    sign, handle = {}, {}
    for d in Deadline.objects.filter(event_id__in=event_ids, state__in=OPEN_STATES, kind__in=["sign", "handle"]):
        if d.kind == "sign" and d.subject_type == "assignment" and d.subject_id in ids:
            sign[d.subject_id] = d
        elif d.kind == "handle" and not d.subject_type:
            handle[d.event_id] = d
    pending = set(ExtensionRequest.objects.filter(event_id__in=event_ids, status=ExtensionStatus.PENDING)
                  .values_list("event_id", flat=True))
    return {a.pk: {"sign": sign.get(a.pk), "handle": handle.get(a.event_id),
                   "extension_pending": a.event_id in pending} for a in assignments}


# ---- the departments an event may go to ------------------------------------------------------

def departments_visible(*, user) -> list:
    """The departments the user may dispatch or whistle to, read once per user object (a request)."""
    cached = getattr(user, "_jiewang_departments", None)
    if cached is None:
        from jiewang.accounts import selectors as account_selectors

        cached = list(account_selectors.department_list(user=user).select_related("area").order_by("area__path", "name"))
        user._jiewang_departments = cached
    return cached


def serving(departments, event) -> list:
    """The departments that may take ``event``: of its town, or of a level above it."""
    town_path = event.town.path
    return [d for d in departments if town_path.startswith(d.area.path) or d.area.path.startswith(town_path)]


def departments_serving(*, user, event) -> list:
    return serving(departments_visible(user=user), event)


def areas_below(*, user, town) -> list:
    """The current villages/communities and grids of ``town`` the user may see, in tree order."""
    from jiewang.areas.models import Area

    qs = Area.objects.filter(path__startswith=town.path, level__in=[4, 5, 6], valid_to__isnull=True) \
        .order_by("path")
    return list(restrict(qs, user, Action.VIEW) if user is not None else qs)


def posts_serving(*, user, event) -> list:
    """The posts of the event's town the user may dispatch to, by board and name."""
    from jiewang.accounts.models import Post

    qs = Post.objects.filter(board__town_id=event.town_id).select_related("board").order_by("board__kind", "name")
    return list(restrict(qs, user, Action.VIEW)) if user is not None else list(qs)


def proposal(posts, event):
    """The post routing proposes first: the category's default post (``default_post_name``)
    among ``posts`` (the event's town's), one of the category's board preferred; else None (the
    category's department is proposed then, :func:`default_targets`)."""
    name = getattr(event.category, "default_post_name", "")
    named = [p for p in posts if name and p.name == name]
    named.sort(key=lambda p: p.board.kind != event.category.board_kind)
    return named[0] if named else None


def default_targets(departments, event) -> tuple[int | None, set[int]]:
    """(lead id, assisting ids) from the category's default department codes, matched against
    ``Department.code`` among the departments serving the event (the nearest one per code)."""
    picked = []
    for code in event.category.default_department_codes or []:
        candidates = [d for d in departments if d.code and d.code == code]
        if candidates:
            best = max(candidates, key=lambda d: len(d.area.path))
            if best.pk not in picked:
                picked.append(best.pk)
    return (picked[0] if picked else None), set(picked[1:])


def whistle_policy_districts(*, user) -> list[dict]:
    """The districts whose whistle policy ``user`` may set (its district administrator grants;
    every district for a superuser), each with its policy row or None (not allowed)."""
    from jiewang.accounts.choices import Role
    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area
    from jiewang.core.scope import subtree_q, user_grants

    from .models import WhistlePolicy

    qs = Area.objects.filter(level=AreaLevel.DISTRICT, valid_to__isnull=True)
    if not user.is_superuser:
        qs = qs.filter(subtree_q("path", [g for g in user_grants(user) if g.role == Role.DISTRICT_ADMIN]))
    districts = list(qs.order_by("path")[:200])
    policies = {p.district_id: p for p in WhistlePolicy.objects.filter(district__in=districts)}
    return [{"district": d, "policy": policies.get(d.pk)} for d in districts]
