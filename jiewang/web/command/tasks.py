"""交办任务 — a stand-alone task sent down (/command/tasks/new/): the command center or a board
leader gives a village/community or grid of its town a task with a deadline and a checklist
(:func:`jiewang.dispatching.services.sending.task_send_down`). The task is an event with the
source "sent down"; it appears in the area's queue (the grid worker's and community staff's
/grid/ page) and is verified by the command center like any other."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from jiewang.accounts.choices import Role
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError, NotFound, ValidationFailed
from jiewang.core.scope import user_grants
from jiewang.dispatching import selectors as dispatch_selectors
from jiewang.dispatching.services.sending import resolve_area, task_send_down
from jiewang.events import selectors as event_selectors
from jiewang.events.choices import Urgency
from jiewang.events.services.tasks import TASK_SENDERS

from .helpers import role_required

sender_required = role_required(set(TASK_SENDERS))


def _towns(user) -> list[Area]:
    """The towns the user may send work down in: its sender grants' towns (or those below a
    district grant); a superuser's: none preselected, every town it sees."""
    from jiewang.areas.choices import AreaLevel
    from jiewang.areas import selectors as area_selectors

    qs = area_selectors.area_list(user=user).filter(level=AreaLevel.TOWN, valid_to__isnull=True).order_by("path")
    if user.is_superuser:
        return list(qs[:50])
    paths = [g.path for g in user_grants(user) if g.role in TASK_SENDERS]
    return [t for t in qs if any(t.path.startswith(p) or p.startswith(t.path) for p in paths)][:50]


def _areas(user) -> list[Area]:
    out = []
    for town in _towns(user):
        out += dispatch_selectors.areas_below(user=user, town=town)
    return out


@sender_required
def task_new(request):
    areas = _areas(request.user)
    categories = list(event_selectors.category_list(user=request.user).filter(parent__isnull=False))
    default_due = timezone.localtime(timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    values = {"area_id": request.GET.get("area", ""), "category_code": "", "title": "", "description": "",
              "due_at": default_due, "checklist": "", "urgency": Urgency.NORMAL}
    error, field_errors = None, {}
    if request.method == "POST":
        post = request.POST
        values = {k: post.get(k, "").strip() for k in values}
        try:
            if not values["area_id"].isdigit():
                raise ValidationFailed(_("Choose a village/community or grid."), code="validation_failed",
                                       fields={"area_id": "required"})
            area = resolve_area(actor=request.user, area_id=int(values["area_id"]))
            category = next((c for c in categories if c.code == values["category_code"]), None)
            if category is None:
                raise ValidationFailed(_("Choose a category."), code="validation_failed",
                                       fields={"category_code": "required"})
            due = parse_datetime(values["due_at"]) if values["due_at"] else None
            if due is None:
                raise ValidationFailed(_("Give a valid date and time."), code="validation_failed",
                                       fields={"due_at": "invalid"})
            due = timezone.make_aware(due) if timezone.is_naive(due) else due
            a = task_send_down(actor=request.user, area=area, category=category, title=values["title"][:120],
                               description=values["description"][:4000], due_at=due,
                               checklist=values["checklist"].splitlines(), urgency=values["urgency"])
        except (ApplicationError, NotFound) as exc:
            error = exc.message
            field_errors = {k: True for k in getattr(exc, "fields", {}) or {}}
        else:
            messages.success(request, _("Task %(number)s sent down to %(area)s.") % {
                "number": a.event.number, "area": area.name})
            return redirect("web:event", a.event.number)
    return render(request, "web/command/task_new.html", {
        "areas": areas, "categories": categories, "values": values, "error": error,
        "field_errors": field_errors, "urgencies": Urgency.choices,
        "is_board_leader": Role.BOARD_LEADER in {g.role for g in user_grants(request.user)},
    }, status=422 if error else 200)
