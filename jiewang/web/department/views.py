"""承办工作台 — the handling workbench: "my handler's work", whatever the handler is
(:mod:`jiewang.dispatching.handlers`): a department's, a post's (岗位/站所) and, for a board
leader (分管领导), all the work of the board's posts. Open assignments with countdowns to each
deadline and their actions (the action registry's ``department`` surface: sign for, return,
dispute, feed back with photos, request an extension, an assisting handler's own feedback; urge
and supervise for a board leader), whistles waiting for a department's report-in, and recently
finished work.

Reads go through selectors; the forms post to the one form view
(:func:`jiewang.web.actions.action_post`), which runs the same services as the API: a refused
action shows the service's message and changes nothing."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from jiewang.accounts import selectors as account_selectors
from jiewang.accounts.choices import Role
from jiewang.core.errors import NotFound
from jiewang.core.scope import user_grants
from jiewang.dispatching import selectors as dispatch_selectors
from jiewang.dispatching.handlers import DEPARTMENT, POST, led_board_ids, user_keys

from ..actions import forms_for
from ..command.helpers import role_required

# The handlers whose staff work here (areas' staff have their own pages: grid, community).
HANDLER_ROLES = {Role.DEPARTMENT_STAFF, Role.POST_STAFF, Role.BOARD_LEADER}
department_required = role_required(HANDLER_ROLES)


def my_work(request) -> tuple[set, set[int]]:
    """(handler keys, led board ids) the user works for: departments and posts held, boards led.
    A superuser may look at one department (``?department=id``) or post (``?post=id``), or every
    department."""
    if request.user.is_superuser:
        for kind, param in ((POST, "post"), (DEPARTMENT, "department")):
            wanted = request.GET.get(param, "")
            if wanted.isdigit():
                return {(kind, int(wanted))}, set()
        qs = account_selectors.department_list(user=request.user)
        return {(DEPARTMENT, pk) for pk in qs.values_list("pk", flat=True)}, set()
    keys = {k for k, role in user_keys(request.user).items() if role in HANDLER_ROLES}
    return keys, led_board_ids(user_grants(request.user))


def handler_names(keys, board_ids) -> list[str]:
    """What the page's heading names: the departments, the posts, the boards led."""
    from jiewang.accounts.models import Board, Department, Post

    names = [d.name for d in Department.objects.filter(pk__in=[pk for k, pk in keys if k == DEPARTMENT])]
    names += [f"{p.board.name} · {p.name}" for p in Post.objects.filter(
        pk__in=[pk for k, pk in keys if k == POST]).select_related("board")]
    names += [f"{b.town.name} · {b.name}" for b in Board.objects.filter(pk__in=board_ids).select_related("town")]
    return names


def _decorate(user, assignments, clocks) -> list:
    for a in assignments:
        c = clocks.get(a.pk, {})
        a.sign_clock, a.handle_clock = c.get("sign"), c.get("handle")
        a.extension_pending = c.get("extension_pending", False)
        # The assignment's own steps, and the event's (feedback, extension; urge, supervise for a
        # board leader) on the lead's row.
        a.row_actions = forms_for(user, a.event, "department", subjects=[a], event_level=a.role == "lead")
    return assignments


def _decorate_summonses(user, summonses) -> list:
    for s in summonses:
        s.row_actions = forms_for(user, s.whistle.event, "department", subjects=[s], event_level=False)
    return summonses


@department_required
def index(request):
    keys, boards = my_work(request)
    assignments = list(dispatch_selectors.handler_queue(user=request.user, keys=keys, board_ids=boards)
                       .select_related("event__category", "event__grid", "event__town"))
    _decorate(request.user, assignments,
              dispatch_selectors.assignment_clocks(user=request.user, assignments=assignments))
    dept_ids = {pk for kind, pk in keys if kind == DEPARTMENT}
    summonses = list(dispatch_selectors.department_summons_list(user=request.user, department_ids=dept_ids))
    return render(request, "web/department/index.html", {
        "handlers": handler_names(keys, boards) if len(keys) + len(boards) <= 5 else [],
        "has_work": bool(keys or boards),
        "can_send_down": bool(boards),
        "assignments": assignments,
        "summonses": _decorate_summonses(request.user, summonses),
        "history": dispatch_selectors.handler_history(user=request.user, keys=keys, board_ids=boards),
        "next": request.get_full_path(), "now_": timezone.now(),
    })


def row_for(request, row: str) -> dict:
    """The re-rendered row an htmx action swaps in (``assignment:ID`` or ``summons:ID``)."""
    kind, _sep, ident = row.partition(":")
    user = request.user
    try:
        if kind == "assignment" and ident.isdigit():
            a = dispatch_selectors.assignment_get(user=user, assignment_id=int(ident))
            a.event.category  # noqa: B018 - loaded for the row
            _decorate(user, [a], dispatch_selectors.assignment_clocks(user=user, assignments=[a]))
            return {"row_template": "web/department/_assignment_row.html", "row_context": {"a": a}}
        if kind == "summons" and ident.isdigit():
            s = dispatch_selectors.summons_get(user=user, summons_id=int(ident))
            return {"row_template": "web/department/_summons_row.html",
                    "row_context": {"s": _decorate_summonses(user, [s])[0]}}
    except NotFound:
        pass
    return {}
