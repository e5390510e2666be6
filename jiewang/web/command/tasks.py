"""交办任务 — a stand-alone task pushed down (/command/tasks/new/): the command center, a town
office, the district or a department gives a village/community or grid a task with a deadline
and a checklist, citing an admitted duty of the district's list (职责事项准入), through
:func:`jiewang.admission.services.pushing.task_push`. Admitted, the task is an event with the
source "sent down" at once: it appears in the area's queue (the grid worker's and community
staff's /grid/ page) and is verified by the command center like any other. Otherwise it is held
for the town's command center (/admission/) and exists only once approved."""

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
from jiewang.admission import selectors as admission_selectors
from jiewang.admission.services.pushing import task_push
from jiewang.dispatching.services.sending import resolve_area
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


def _duty_items(user, towns) -> list:
    """The admitted duties of the lists in force over the user's towns (one list per district)."""
    seen, out = set(), []
    for town in towns:
        dl = admission_selectors.in_force_for(user=user, area=town)
        if dl is not None and dl.pk not in seen:
            seen.add(dl.pk)
            out += list(admission_selectors.items_of(dl))
    return out


@sender_required
def task_new(request):
    towns = _towns(request.user)
    areas = [a for town in towns for a in dispatch_selectors.areas_below(user=request.user, town=town)]
    items = _duty_items(request.user, towns)
    categories = list(event_selectors.category_list(user=request.user).filter(parent__isnull=False))
    default_due = timezone.localtime(timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    values = {"area_id": request.GET.get("area", ""), "category_code": "", "title": "", "description": "",
              "due_at": default_due, "checklist": "", "urgency": Urgency.NORMAL,
              "duty_item_id": request.GET.get("item", ""), "expected_hours": ""}
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
            item_id = int(values["duty_item_id"]) if values["duty_item_id"].isdigit() else None
            push = task_push(actor=request.user, area=area, category=category, title=values["title"][:120],
                             description=values["description"][:4000], due_at=due,
                             checklist=values["checklist"].splitlines(), urgency=values["urgency"],
                             duty_item_id=item_id, expected_hours=values["expected_hours"] or None)
        except (ApplicationError, NotFound) as exc:
            error = exc.message
            field_errors = {k: True for k in getattr(exc, "fields", {}) or {}}
        else:
            if push.event is None:
                messages.warning(request, _("Held for the command center's approval: the task cites no admitted "
                                            "duty for this area. It reaches no grid unless approved."))
                return redirect("web:admission")
            messages.success(request, _("Task %(number)s sent down to %(area)s.") % {
                "number": push.event.number, "area": area.name})
            return redirect("web:event", push.event.number)
    return render(request, "web/command/task_new.html", {
        "areas": areas, "categories": categories, "items": items, "values": values, "error": error,
        "field_errors": field_errors, "urgencies": Urgency.choices,
        "is_board_leader": Role.BOARD_LEADER in {g.role for g in user_grants(request.user)},
    }, status=422 if error else 200)
