"""Pages of the duty admission list (职责事项准入): the command center's queue of held pushes
(approve, refuse with a reason) beside the pushes in scope; the district's list with its
versions, the draft's editor (items, publish) and each version's diff; the burden report (减负)
with its Excel export; and a data-collection task's records for the grid worker (confirm or
correct what base data pre-filled). Every write goes through ``jiewang.admission.services``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts.choices import Role
from jiewang.accounts.models import Department
from jiewang.admission import burden, selectors
from jiewang.admission.choices import DutyKind, DutyLevel, ListStatus, PushStatus
from jiewang.admission.permissions import BURDEN_READERS, DECIDERS, PUSH_READERS
from jiewang.admission.services import forms, pushing
from jiewang.admission.services import lists as list_svc
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError
from jiewang.core.scope import Action, restrict
from jiewang.events import selectors as event_selectors
from jiewang.events.services.tasks import TASK_SENDERS

from ..command.helpers import not_found, role_required, roles_of

ADMISSION_ROLES = PUSH_READERS | TASK_SENDERS | BURDEN_READERS
admission_required = role_required(set(ADMISSION_ROLES))
keeper_roles = {Role.DISTRICT_ADMIN}


def _fail(request, exc: ApplicationError) -> None:
    messages.error(request, exc.text)


def _page(request, template: str, context: dict, status: int = 200):
    """Render with what every admission page's tabs need (may this user push a task?)."""
    context["can_push"] = request.user.is_superuser or bool(roles_of(request.user) & TASK_SENDERS)
    return render(request, template, context, status=status)


@admission_required
def index(request):
    """The held queue (for the command center) and the pushes in scope."""
    user = request.user
    queue = list(selectors.held_queue(user=user)[:200])
    status = request.GET.get("status", "")
    recent = selectors.pushes(user=user, status=status if status in PushStatus.values else None)[:100]
    return _page(request, "web/admission/index.html", {
        "queue": queue, "pushes": recent, "statuses": PushStatus.choices, "status": status,
        "is_decider": user.is_superuser or bool(roles_of(user) & DECIDERS),
    })


@admission_required
@require_POST
def decide(request, push_id: int):
    try:
        push = selectors.push_get(user=request.user, push_id=push_id)
    except ApplicationError:
        return not_found(request)
    comment = request.POST.get("comment", "").strip()[:2000]
    try:
        if request.POST.get("decision") == "approve":
            push = pushing.push_approve(actor=request.user, push=push, comment=comment)
            messages.success(request, _("Approved: task %(number)s delivered.") % {"number": push.event.number})
        else:
            pushing.push_refuse(actor=request.user, push=push, reason=comment)
            messages.success(request, _("Refused: the task will not reach any grid."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("web:admission")


@admission_required
def lists(request):
    """Each district's versions (history), the one in force first."""
    user = request.user
    districts = list(selectors.districts(user=user)[:50])
    by_district = [(d, list(selectors.duty_lists(user=user, district=d))) for d in districts]
    keeper = user.is_superuser or Role.DISTRICT_ADMIN in roles_of(user)
    if request.method == "POST" and keeper:
        try:
            district = next(d for d in districts if str(d.pk) == request.POST.get("district_id"))
            draft = list_svc.duty_list_draft(actor=request.user, district=district)
        except StopIteration:
            return not_found(request)
        except ApplicationError as exc:
            _fail(request, exc)
            return redirect("web:admission-lists")
        return redirect("web:admission-list", draft.pk)
    return _page(request, "web/admission/lists.html", {"by_district": by_district, "keeper": keeper})


def _editable(user, dl) -> bool:
    return dl.status == ListStatus.DRAFT and restrict(type(dl).objects.filter(pk=dl.pk), user, Action.CHANGE).exists()


@admission_required
def list_detail(request, list_id: int):
    try:
        dl = selectors.duty_list_get(user=request.user, list_id=list_id)
    except ApplicationError:
        return not_found(request)
    items = list(selectors.items_of(dl))
    for i in items:
        i.form_text = json.dumps(i.form, ensure_ascii=False)
    diff = selectors.list_diff(selectors.previous_of(dl), dl)
    diff["changed_rows"] = [(code, [(_field_label(f), _shown(f, a), _shown(f, b)) for f, (a, b) in fields.items()])
                            for code, fields in diff["changed"].items()]
    departments = list(restrict(Department.objects.filter(is_active=True), request.user, Action.VIEW)
                       .filter(area__path__in=[p for p in _ancestor_paths(dl.district)]).order_by("name")[:200])
    return _page(request, "web/admission/list.html", {
        "dl": dl, "items": items, "diff": diff, "editable": _editable(request.user, dl), "kinds": DutyKind.choices,
        "levels": DutyLevel.choices, "departments": departments,
    })


def _field_label(field: str) -> str:
    from jiewang.admission.models import DutyItem

    if field == "departments":
        return _("Departments that may push it")
    return str(DutyItem._meta.get_field(field).verbose_name)


def _shown(field: str, value) -> str:
    """A diff value as the page shows it: choices by their label, yes/no, a form by its size."""
    if field == "kind":
        return str(dict(DutyKind.choices).get(value, value))
    if field == "level":
        return str(dict(DutyLevel.choices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "form":
        return str(len(value or []))
    if isinstance(value, list):
        return "、".join(value) or "—"
    return str(value) if value not in (None, "") else "—"


def _ancestor_paths(area: Area) -> list[str]:
    ids = [int(x) for x in area.path.strip("/").split("/") if x]
    return list(Area.objects.filter(pk__in=ids).values_list("path", flat=True))


def _item_data(post) -> dict:
    try:
        form = json.loads(post.get("form") or "[]")
    except ValueError:
        form = None
    return {"code": post.get("code", ""), "name": post.get("name", ""), "kind": post.get("kind", ""),
            "level": post.get("level", ""), "by_town": post.get("by_town") == "1",
            "by_district": post.get("by_district") == "1", "expected_hours": post.get("expected_hours") or 0,
            "note": post.get("note", ""), "form": form,
            "department_ids": [int(x) for x in post.getlist("department_ids") if x.isdigit()]}


@admission_required
@require_POST
def item_save(request, list_id: int | None = None, item_id: int | None = None):
    try:
        if item_id is not None:
            item = selectors.duty_item_get(user=request.user, item_id=item_id)
            data = _item_data(request.POST)
            data.pop("code")
            list_svc.duty_item_update(actor=request.user, item=item, **data)
            list_id = item.duty_list_id
        else:
            dl = selectors.duty_list_get(user=request.user, list_id=list_id)
            list_svc.duty_item_add(actor=request.user, duty_list=dl, **_item_data(request.POST))
        messages.success(request, _("Saved."))
    except ApplicationError as exc:
        if list_id is None:
            return not_found(request)
        _fail(request, exc)
    return redirect("web:admission-list", list_id)


@admission_required
@require_POST
def item_remove(request, item_id: int):
    try:
        item = selectors.duty_item_get(user=request.user, item_id=item_id)
    except ApplicationError:
        return not_found(request)
    try:
        list_svc.duty_item_remove(actor=request.user, item=item)
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("web:admission-list", item.duty_list_id)


@admission_required
@require_POST
def publish(request, list_id: int):
    try:
        dl = selectors.duty_list_get(user=request.user, list_id=list_id)
    except ApplicationError:
        return not_found(request)
    try:
        list_svc.duty_list_publish(actor=request.user, duty_list=dl)
        messages.success(request, _("Published: version %(v)s is in force.") % {"v": dl.version})
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("web:admission-list", dl.pk)


@role_required(set(BURDEN_READERS))
def burden_page(request):
    user = request.user
    areas = [a for a in restrict(Area.objects.filter(level__in=(2, 3, 4), valid_to__isnull=True), user, Action.VIEW)
             .order_by("path")[:300] if _reads_burden(user, a)]
    area = next((a for a in areas if str(a.pk) == request.GET.get("area")), None) or burden.default_area(user)
    error, report = None, None
    try:
        month = burden.parse_month(request.GET.get("month"))
        if area is not None:
            report = burden.burden_report(user=user, area=area, month=month)
    except ApplicationError as exc:
        error, month = exc.text, burden.parse_month(None)
    return _page(request, "web/admission/burden.html", {
        "areas": areas, "area": area, "month": f"{month:%Y-%m}", "report": report, "error": error,
    }, 422 if error else 200)


def _reads_burden(user, area) -> bool:
    try:
        burden.ensure_reader(user, area)
    except ApplicationError:
        return False
    return True


@login_required
def records(request, number: str):
    """A data-collection task's records: each pre-filled from base data; confirm, or correct."""
    try:
        event = event_selectors.event_get(user=request.user, number=number)
    except ApplicationError:
        return not_found(request)
    rows = list(selectors.event_records(user=request.user, event=event)[:500])
    push = event.push_requests.first()
    if request.method == "POST":
        row = next((r for r in rows if str(r.pk) == request.POST.get("record_id")), None)
        if row is None:
            return not_found(request)
        fields = {f["key"]: f for f in push.form}
        values = {k: request.POST.get(f"v-{k}", "") for k in fields}
        for k, f in fields.items():
            if f["type"] == "bool":
                values[k] = request.POST.get(f"v-{k}") == "1"
        try:
            forms.record_confirm(actor=request.user, record=row, values=values)
            messages.success(request, _("Record saved."))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect("web:admission-records", number)
    return _page(request, "web/admission/records.html", {"event": event, "push": push, "rows": rows,
                                                          "fields": push.form if push else []})
