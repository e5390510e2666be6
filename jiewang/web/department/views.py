"""部门工作台 — the department workbench: the department's open assignments with countdowns to
each deadline and their actions (the action registry's ``department`` surface: sign for, return,
dispute, feed back with photos, request an extension, an assisting department's own feedback),
whistles waiting for its report-in, and recently finished work.

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
from jiewang.dispatching.permissions import department_ids

from ..actions import forms_for
from ..command.helpers import role_required

department_required = role_required({Role.DEPARTMENT_STAFF})


def my_department_ids(request) -> set[int]:
    """The departments the user works for; a superuser may look at any (``?department=id``, or all)."""
    if request.user.is_superuser:
        qs = account_selectors.department_list(user=request.user)
        wanted = request.GET.get("department", "")
        if wanted.isdigit():
            qs = qs.filter(pk=int(wanted))
        return set(qs.values_list("pk", flat=True))
    return department_ids(user_grants(request.user))


def _decorate(user, assignments, clocks) -> list:
    for a in assignments:
        c = clocks.get(a.pk, {})
        a.sign_clock, a.handle_clock = c.get("sign"), c.get("handle")
        a.extension_pending = c.get("extension_pending", False)
        # The assignment's own steps, and the event's (feedback, extension) on the lead's row.
        a.row_actions = forms_for(user, a.event, "department", subjects=[a], event_level=a.role == "lead")
    return assignments


def _decorate_summonses(user, summonses) -> list:
    for s in summonses:
        s.row_actions = forms_for(user, s.whistle.event, "department", subjects=[s], event_level=False)
    return summonses


@department_required
def index(request):
    ids = my_department_ids(request)
    assignments = list(dispatch_selectors.department_queue(user=request.user, department_ids=ids)
                       .select_related("event__category", "event__grid", "event__town"))
    _decorate(request.user, assignments,
              dispatch_selectors.assignment_clocks(user=request.user, assignments=assignments))
    departments = list(account_selectors.department_list(user=request.user).filter(pk__in=ids)) if ids else []
    summonses = list(dispatch_selectors.department_summons_list(user=request.user, department_ids=ids))
    return render(request, "web/department/index.html", {
        "departments": departments,
        "assignments": assignments,
        "summonses": _decorate_summonses(request.user, summonses),
        "history": dispatch_selectors.department_history(user=request.user, department_ids=ids),
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
