"""部门工作台 — the department workbench: the department's open assignments with countdowns to
each deadline and their actions (sign for, return, dispute, feed back with photos, request an
extension), whistles waiting for its report-in, and recently finished work.

Reads go through selectors, writes through the same services as the API; a refused action shows
the service's message and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts import selectors as account_selectors
from jiewang.accounts.choices import Role
from jiewang.core.errors import ApplicationError, NotFound, ValidationFailed
from jiewang.core.scope import user_grants
from jiewang.dispatching import selectors as dispatch_selectors
from jiewang.dispatching.permissions import department_ids
from jiewang.dispatching.services import assignments as dispatch_svc
from jiewang.dispatching.services import whistles as whistle_svc
from jiewang.events.choices import PhotoKind
from jiewang.events.services import actions as event_svc
from jiewang.events.services.photos import event_photo_add

from ..command.helpers import finish, not_found, role_required, version_of

department_required = role_required({Role.DEPARTMENT_STAFF})
MAX_PHOTOS = 6


def my_department_ids(request) -> set[int]:
    """The departments the user works for; a superuser may look at any (``?department=id``, or all)."""
    if request.user.is_superuser:
        qs = account_selectors.department_list(user=request.user)
        wanted = request.GET.get("department", "")
        if wanted.isdigit():
            qs = qs.filter(pk=int(wanted))
        return set(qs.values_list("pk", flat=True))
    return department_ids(user_grants(request.user))


def _decorate(assignments, clocks) -> list:
    for a in assignments:
        c = clocks.get(a.pk, {})
        a.sign_clock, a.handle_clock = c.get("sign"), c.get("handle")
        a.extension_pending = c.get("extension_pending", False)
    return assignments


@department_required
def index(request):
    ids = my_department_ids(request)
    assignments = list(dispatch_selectors.department_queue(user=request.user, department_ids=ids)
                       .select_related("event__category", "event__grid", "event__town"))
    _decorate(assignments, dispatch_selectors.assignment_clocks(user=request.user, assignments=assignments))
    departments = list(account_selectors.department_list(user=request.user).filter(pk__in=ids)) if ids else []
    return render(request, "web/department/index.html", {
        "departments": departments,
        "assignments": assignments,
        "summonses": list(dispatch_selectors.department_summons_list(user=request.user, department_ids=ids)),
        "history": dispatch_selectors.department_history(user=request.user, department_ids=ids),
        "next": request.get_full_path(), "now_": timezone.now(),
    })


def _parse_due(value: str) -> dt.datetime:
    try:
        naive = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("请填写新的期限 / Give the new deadline.", code="extension.due_invalid") from None
    return naive if timezone.is_aware(naive) else timezone.make_aware(naive)


def _run(request, a, action: str) -> str:
    p, user = request.POST, request.user
    if action == "sign":
        dispatch_svc.assignment_sign(assignment=a, actor=user)
        return _("Signed for %(number)s.") % {"number": a.event.number}
    if action == "return":
        dispatch_svc.assignment_return(assignment=a, actor=user, reason=p.get("reason", ""))
        return _("Returned to the command center.")
    if action == "dispute":
        dispatch_svc.assignment_dispute(assignment=a, actor=user, reason=p.get("reason", ""))
        return _("Dispute sent to the command center for arbitration.")
    if action == "feedback":
        files = request.FILES.getlist("photos")
        if len(files) > MAX_PHOTOS:
            raise ValidationFailed(f"最多 {MAX_PHOTOS} 张照片 / At most {MAX_PHOTOS} photos.", code="photo.too_many")
        with transaction.atomic():
            event_svc.event_feedback(event=a.event, actor=user, comment=p.get("comment", ""),
                                     expected_version=version_of(request))
            for f in files:
                event_photo_add(event=a.event, actor=user, data=f.read(), kind=PhotoKind.FEEDBACK,
                                role="department_staff")
        return _("Fed back: the command center will verify.")
    if action == "extension":
        dispatch_svc.extension_request(event=a.event, actor=user, requested_due_at=_parse_due(p.get("due", "")),
                                       reason=p.get("reason", ""))
        return _("Extension requested.")
    raise NotFound("操作不存在 / Unknown action.", code="department.unknown_action")


ACTIONS = {"sign", "return", "dispute", "feedback", "extension"}


@require_POST
@department_required
def assignment_action(request, assignment_id: int, action: str):
    if action not in ACTIONS:
        return not_found(request)
    try:
        a = dispatch_selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    except NotFound:
        return not_found(request)
    ok = error = None
    try:
        ok = _run(request, a, action)
    except ApplicationError as exc:
        error = exc.message
    a = dispatch_selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    _decorate([a], dispatch_selectors.assignment_clocks(user=request.user, assignments=[a]))
    return finish(request, default_url=reverse("web:department"), ok=ok, error=error,
                  row_template="web/department/_assignment_row.html", row_context={"a": a})


@require_POST
@department_required
def report_in(request, summons_id: int):
    try:
        s = dispatch_selectors.summons_get(user=request.user, summons_id=summons_id)
    except NotFound:
        return not_found(request)
    ok = error = None
    try:
        whistle_svc.summons_report_in(summons=s, actor=request.user,
                                      responder_name=request.POST.get("responder_name", ""),
                                      responder_phone=request.POST.get("responder_phone", "").strip()[:32])
        ok = _("Reported in.")
    except ApplicationError as exc:
        error = exc.message
    s = dispatch_selectors.summons_get(user=request.user, summons_id=summons_id)
    return finish(request, default_url=reverse("web:department"), ok=ok, error=error,
                  row_template="web/department/_summons_row.html", row_context={"s": s})
