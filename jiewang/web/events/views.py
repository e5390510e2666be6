"""The event page shared by all roles (``/events/<number>/``, ``web:event``).

One page shows everything about an event the user may see (facts, map, clocks, assignments,
whistles, photos, timeline) and the actions this user may do *now*: the lifecycle table's moves
from the current status, kept to the roles the user holds on the event (level-bound moves need the
role of the level holding it, as ``pick_role`` in ``events/services/transition.py``), plus the
department's own steps on its open assignment. Each action is a small form posting to
:func:`event_act`, which calls the same service as the API with the version the page was rendered
from: a stale page gets the "changed since you read it" message and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiewang.accounts import selectors as account_selectors
from jiewang.accounts.choices import Role
from jiewang.core.crypto import mask_phone
from jiewang.core.errors import ApplicationError, NotFound, ValidationFailed
from jiewang.core.scope import user_grants
from jiewang.dispatching import selectors as dispatch_selectors
from jiewang.dispatching.models import (OPEN_ASSIGNMENT, AssignmentStatus, ExtensionRequest, ExtensionStatus,
                                        SummonsStatus, Whistle)
from jiewang.dispatching.permissions import department_ids
from jiewang.dispatching.services import assignments as dispatch_svc
from jiewang.dispatching.services import whistles as whistle_svc
from jiewang.events import selectors as event_selectors
from jiewang.events.choices import EventStatus, PhotoKind, Satisfaction
from jiewang.events.lifecycle import BY_ACTION, LEVEL_ROLES, Transition, allowed_actions
from jiewang.events.models import DeadlineKind, DeadlineState, Event
from jiewang.events.roles import actor_roles_on_event
from jiewang.events.services import actions as event_svc
from jiewang.events.services.actions import NEXT_LEVEL
from jiewang.events.services.photos import event_photo_add, max_bytes
from jiewang.events.services.transition import pick_role

GW, CS, OP, LD, DS, DA, RES = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                               Role.DEPARTMENT_STAFF, Role.DISTRICT_ADMIN, Role.RESIDENT)
TOWN_DECIDERS = frozenset({OP, LD, DA})
EXTENSION_ROLES = frozenset({DS, CS, GW})  # as extension_request's probe
PHOTO_ROLES = frozenset({GW, CS, OP, LD, DS, RES})  # as the photo endpoint's probe
OPEN_STATUSES = {EventStatus.REPORTED, EventStatus.ACCEPTED, EventStatus.DISPATCHED, EventStatus.HANDLING,
                 EventStatus.SHELVED, EventStatus.FEEDBACK}

# Labels of the actions (buttons) and of the timeline's lines, English msgids.
ACTION_LABELS = {
    "report": gettext_lazy("Reported"),
    "self_handle": gettext_lazy("Handle in the grid"),
    "escalate": gettext_lazy("Escalate to the next level"),
    "accept": gettext_lazy("Accept"),
    "void": gettext_lazy("Void"),
    "handle_locally": gettext_lazy("Handle at this level"),
    "dispatch": gettext_lazy("Dispatch"),
    "redispatch": gettext_lazy("Redispatch"),
    "sign": gettext_lazy("Sign for"),
    "return": gettext_lazy("Return"),
    "feedback": gettext_lazy("Report as done"),
    "close_on_spot": gettext_lazy("Close on the spot"),
    "verify": gettext_lazy("Verify"),
    "verify_pass": gettext_lazy("Verification passed"),
    "verify_fail": gettext_lazy("Verification failed"),
    "shelve": gettext_lazy("Shelve"),
    "resume": gettext_lazy("Resume"),
    "visit": gettext_lazy("Return visit"),
    "rate": gettext_lazy("Rate"),
    "redo": gettext_lazy("Redo"),
    "dispute": gettext_lazy("Dispute responsibility"),
    "arbitrate": gettext_lazy("Arbitrate"),
    "extension": gettext_lazy("Request an extension"),
    "extension_request": gettext_lazy("Extension requested"),
    "decide_extension": gettext_lazy("Decide the extension"),
    "extension_approved": gettext_lazy("Extension approved"),
    "extension_rejected": gettext_lazy("Extension rejected"),
    "whistle": gettext_lazy("Blow the whistle"),
    "report_in": gettext_lazy("Report in"),
    "rate_summons": gettext_lazy("Summons rated"),
    "whistle_escalated": gettext_lazy("Missed report-in escalated"),
    "photo": gettext_lazy("Add a photo"),
    "merge": gettext_lazy("Duplicate merged"),
    "assist_sign": gettext_lazy("Signed for (assisting)"),
    "assist_return": gettext_lazy("Returned (assisting)"),
    "remind": gettext_lazy("Reminder"),
    "supervise": gettext_lazy("Supervision"),
}
ROLE_LABELS = {**{r.value: r.label for r in Role}, "superuser": gettext_lazy("Superuser"),
               "system": gettext_lazy("System")}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    t = BY_ACTION.get(action)
    return t.label if t else action


# ---- who may do what, now -------------------------------------------------------------------

def _may(user, event: Event, held: set[str], roles, level_bound: bool = False) -> bool:
    """``pick_role`` without raising: does the user hold one of ``roles`` on the event?"""
    if user.is_superuser:
        return True
    allowed = set(roles)
    if level_bound:
        allowed &= set(LEVEL_ROLES.get(event.level, ()))
    return bool(held & allowed)


def _field(name, kind, label, **kw) -> dict:
    return {"name": name, "kind": kind, "label": label, **kw}


def _comment(label=None, required=False) -> dict:
    return _field("comment", "textarea", label or (_("Reason") if required else _("Comment (optional)")),
                  required=required)


def _yes_no(name, label, unknown=False) -> dict:
    choices = [("1", _("Yes")), ("0", _("No"))]
    if unknown:
        choices.append(("", _("Unknown")))
    return _field(name, "select", label, choices=choices)


def panel_actions(user, event: Event, *, held: set[str], assignments, whistles, pending_extension) -> list[dict]:
    """The forms of the actions this user may do on ``event`` now (see the module docstring)."""
    out: list[dict] = []

    def add(name, fields=(), *, key=None, note="", hidden=None, multipart=False):
        out.append({"name": name, "key": key or name, "label": action_label(name), "fields": list(fields),
                    "note": note, "hidden": hidden or {}, "multipart": multipart})

    status_moves = allowed_actions(event.status)
    departments = None

    def department_choices():
        nonlocal departments
        if departments is None:
            departments = [(str(d.pk), d.name) for d in account_selectors.department_list(user=user)
                           .filter(area__path__in=_dept_paths(event)).order_by("name")]
        return departments

    done_verify = False
    for name in status_moves:
        t = BY_ACTION[name]
        if name in ("sign", "return", "redo"):
            continue  # sign/return are the department's own steps below; redo follows a rating
        if not _may(user, event, held, t.roles - {"system"}, t.level_bound):
            continue
        if name == "self_handle" and not event.category.grid_may_self_handle:
            continue
        if name == "escalate" and event.level not in NEXT_LEVEL:
            continue
        if name in ("accept", "self_handle", "handle_locally", "resume"):
            add(name, [_comment()])
        elif name in ("escalate", "shelve"):
            add(name, [_comment(required=True)])
        elif name == "void":
            add(name, [_comment(required=True),
                       _field("duplicate_of", "text", _("Duplicate of event number (optional)"))])
        elif name in ("dispatch", "redispatch"):
            add(name, [_field("lead", "select", _("Lead department"), choices=department_choices(), required=True),
                       _field("assists", "multiselect", _("Assisting departments"), choices=department_choices()),
                       _comment(_("Reason") if name == "redispatch" else _("Instructions"),
                                required=name == "redispatch")])
        elif name in ("feedback", "close_on_spot"):
            add(name, [_comment(_("What was done"), required=True)])
        elif name in ("verify_pass", "verify_fail"):
            if not done_verify:
                done_verify = True
                add("verify", [_field("passed", "select", _("Result"), choices=[
                    ("1", _("Passed")), ("0", _("Failed: back for rework"))]), _comment()])
        elif name == "visit":
            add(name, [_yes_no("contacted", _("Reporter reached")), _yes_no("resolved", _("Resolved"), unknown=True),
                       _field("satisfaction", "select", _("Satisfaction"),
                              choices=[("", "—")] + [(v, lab) for v, lab in Satisfaction.choices]),
                       _comment()])
        elif name == "rate":
            add(name, [_field("satisfaction", "select", _("Satisfaction"), choices=list(Satisfaction.choices),
                              required=True), _comment()])

    # The department's own steps on its open assignments.
    mine = department_ids(user_grants(user))
    for a in assignments:
        if a.status not in OPEN_ASSIGNMENT or not (user.is_superuser or a.department_id in mine):
            continue
        who = f"{a.department or a.post} · {a.get_role_display()}"
        if a.status == AssignmentStatus.DISPATCHED:
            add("sign", key=f"sign-{a.pk}", note=who, hidden={"assignment": a.pk})
            add("return", [_comment(required=True)], key=f"return-{a.pk}", note=who, hidden={"assignment": a.pk})
        elif a.status == AssignmentStatus.SIGNED and not (a.disputed_at and not a.arbitrated_at):
            add("dispute", [_comment(required=True)], key=f"dispute-{a.pk}", note=who, hidden={"assignment": a.pk})
    if (event.status == EventStatus.HANDLING and event.due_at and pending_extension is None
            and _may(user, event, held, EXTENSION_ROLES)):
        default = timezone.localtime(event.due_at + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        add("extension", [_field("requested_due_at", "datetime", _("New deadline"), value=default, required=True),
                          _comment(required=True)])
    # The command center's decisions.
    if pending_extension is not None and _may(user, event, held, TOWN_DECIDERS):
        add("decide_extension", [_field("approve", "select", _("Decision"), choices=[
            ("1", _("Approve")), ("0", _("Reject"))]), _comment()],
            note=_("Requested: %(due)s — %(reason)s") % {
                "due": timezone.localtime(pending_extension.requested_due_at).strftime("%Y-%m-%d %H:%M"),
                "reason": pending_extension.reason},
            hidden={"request": pending_extension.pk})
    for a in assignments:
        if a.disputed_at and not a.arbitrated_at and _may(user, event, held, TOWN_DECIDERS):
            add("arbitrate", [_field("keep", "select", _("Ruling"), choices=[
                ("1", _("Keep the department responsible")), ("0", _("Redispatch to another lead"))]),
                _field("lead", "select", _("New lead (when redispatching)"),
                       choices=[("", "—")] + department_choices()),
                _comment(_("Ruling"), required=True)],
                key=f"arbitrate-{a.pk}", note=f"{a.department or a.post}: {a.dispute_reason}",
                hidden={"assignment": a.pk})
    # Whistles: blow one; report in for the summoned department.
    if event.status in OPEN_STATUSES and _may(user, event, held, whistle_svc.WHISTLERS):
        add("whistle", [_field("departments", "multiselect", _("Departments to summon"),
                               choices=department_choices(), required=True),
                        _field("problem", "textarea", _("Problem"), required=True),
                        _field("urgent", "checkbox", _("Urgent (report in within 30 minutes)"))])
    for w in whistles:
        for s in w.summonses.all():
            if s.status in (SummonsStatus.SUMMONED, SummonsStatus.MISSED) and (
                    user.is_superuser or s.department_id in mine):
                add("report_in", [_field("responder_name", "text", _("Responder"), required=True),
                                  _field("responder_phone", "tel", _("Responder's phone"))],
                    key=f"report_in-{s.pk}", note=s.department.name, hidden={"summons": s.pk})
    if event.status not in (EventStatus.VOIDED, EventStatus.RATED) and _may(user, event, held, PHOTO_ROLES):
        kinds = [(k, lab) for k, lab in PhotoKind.choices if k != PhotoKind.REPORT]
        add("photo", [_field("kind", "select", _("Kind"), choices=kinds),
                      _field("file", "file", _("Photo (JPEG, PNG or WebP)"), required=True)], multipart=True)
    for a in out:
        for f in a["fields"]:
            f["id"] = f"act-{a['key']}-{f['name']}"
    return out


def _dept_paths(event: Event) -> list[str]:
    """Departments that may serve the event: of its town or of an area above it."""
    parts = event.town.path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


# ---- the page -------------------------------------------------------------------------------

def _not_found(request):
    return render(request, "web/not_found.html", status=404)


def _clock(d, now) -> dict:
    open_ = d.state in (DeadlineState.RUNNING, DeadlineState.WARNED, DeadlineState.OVERDUE)
    return {"kind": DeadlineKind(d.kind).label if d.kind in DeadlineKind.values else d.kind,
            "state": d.state, "state_label": DeadlineState(d.state).label, "due_at": d.due_at,
            "open": open_, "late": open_ and d.due_at <= now, "stage": d.stage, "closed_at": d.closed_at,
            # Counted across a year whose official holiday arrangement is not known yet: the due
            # moment may move once it is loaded (core.worktime, "provisional years").
            "provisional": event_selectors.clock_is_provisional(d)}


def _map_data(event: Event) -> dict | None:
    import shapely
    from shapely.geometry import mapping, shape

    grid = None
    if event.grid_id and event.grid.geometry:
        g = shape(event.grid.geometry)
        g = shapely.simplify(g, max(g.bounds[2] - g.bounds[0], g.bounds[3] - g.bounds[1]) / 400,
                             preserve_topology=True)
        grid = {"type": "Feature", "properties": {"name": event.grid.name}, "geometry": mapping(g)}
    if event.lon is None and grid is None:
        return None
    from django.conf import settings

    return {"point": [event.lat, event.lon] if event.lon is not None else None, "grid": grid,
            "tiles": settings.MAP_TILE_URL, "label": event.title}


@login_required
def event_page(request, number: str):
    try:
        event = event_selectors.event_get(user=request.user, number=number)
        deadlines = event_selectors.event_deadlines(user=request.user, event=event)
    except NotFound:
        return _not_found(request)
    user = request.user
    held = actor_roles_on_event(user, event)
    assignments = dispatch_selectors.assignment_list(user=user, event=event)
    whistles = list(Whistle.objects.filter(event=event).prefetch_related("summonses__department")
                    .order_by("blown_at"))
    pending = ExtensionRequest.objects.filter(event=event, status=ExtensionStatus.PENDING).first()
    timeline = event_selectors.event_timeline(user=user, number=number)
    now = timezone.now()
    return render(request, "web/events/event.html", {
        "event": event,
        "status_label": EventStatus(event.status).label,
        "status_colour": EventStatus.colour(event.status),
        "reporter_phone": mask_phone(event.reporter_phone),
        "clocks": [_clock(d, now) for d in deadlines],
        "assignments": assignments,
        "whistles": whistles,
        "photos": list(event_selectors.event_photo_list(user=user, event=event)),
        "timeline": [{"a": a, "label": action_label(a.action),
                      "role": ROLE_LABELS.get(a.actor_role, a.actor_role),
                      "from": EventStatus(a.from_status).label if a.from_status in EventStatus.values else "",
                      "to": EventStatus(a.to_status).label if a.to_status in EventStatus.values else ""}
                     for a in timeline],
        "actions": panel_actions(user, event, held=held, assignments=assignments, whistles=whistles,
                                 pending_extension=pending),
        "my_roles": sorted(str(ROLE_LABELS.get(r, r)) for r in held),
        "map_data": _map_data(event),
        "now": now,
    })


@login_required
def event_photo(request, number: str, photo_id: int):
    """A photo of the event, scope-checked (photos are not public media)."""
    try:
        photo = event_selectors.event_photo_get(user=request.user, number=number, photo_id=photo_id)
    except NotFound as exc:
        raise Http404 from exc
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


# ---- the actions ----------------------------------------------------------------------------

def _flag(request, name: str) -> bool | None:
    value = request.POST.get(name, "")
    return None if value == "" else value in ("1", "true", "on")


def _int(request, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError as exc:
        raise ValidationFailed(_("The form is incomplete; reload the page."), code="web.bad_form") from exc


def _departments(request, event, ids) -> list:
    wanted = [int(i) for i in ids if str(i).isdigit()]
    found = list(account_selectors.department_list(user=request.user).filter(pk__in=wanted))
    if len(found) != len(set(wanted)):
        raise NotFound(_("A department was not found."), code="dispatch.department_not_found")
    return found


def _lead(request, event):
    found = _departments(request, event, [request.POST.get("lead", "")])
    if not found:
        raise ValidationFailed(_("Choose the lead department."), code="dispatch.lead_required")
    return found[0]


def _assignment(request, event):
    a = dispatch_selectors.assignment_get(user=request.user, assignment_id=_int(request, "assignment"))
    if a.event_id != event.pk:
        raise NotFound(_("Not found."), code="assignment.not_found")
    return a


def _do(request, event: Event, action: str, version: int) -> None:
    """Call the service for ``action``; raises ApplicationError on refusal."""
    user, post = request.user, request.POST
    comment = post.get("comment", "").strip()
    kw = {"event": event, "actor": user, "expected_version": version}
    if action == "accept":
        event_svc.event_accept(comment=comment, **kw)
    elif action == "self_handle":
        event_svc.event_self_handle(comment=comment, **kw)
    elif action == "handle_locally":
        event_svc.event_handle_locally(comment=comment, **kw)
    elif action == "resume":
        event_svc.event_resume(comment=comment, **kw)
    elif action == "escalate":
        event_svc.event_escalate(reason=comment, **kw)
    elif action == "shelve":
        event_svc.event_shelve(reason=comment, **kw)
    elif action == "void":
        original = None
        if post.get("duplicate_of", "").strip():
            original = event_selectors.event_get(user=user, number=post["duplicate_of"].strip())
        event_svc.event_void(reason=comment, duplicate_of=original, **kw)
    elif action == "feedback":
        event_svc.event_feedback(comment=comment, **kw)
    elif action == "close_on_spot":
        event_svc.event_close_on_spot(comment=comment, **kw)
    elif action == "verify":
        event_svc.event_verify(passed=_flag(request, "passed") is True, comment=comment, **kw)
    elif action == "visit":
        contacted = _flag(request, "contacted") is True
        event_svc.event_return_visit(contacted=contacted, resolved=_flag(request, "resolved"),
                                     satisfaction=post.get("satisfaction", ""), comment=comment, **kw)
    elif action == "rate":
        event_svc.event_rate(satisfaction=post.get("satisfaction", ""), comment=comment, **kw)
    elif action in ("dispatch", "redispatch"):
        lead = _lead(request, event)
        assists = _departments(request, event, post.getlist("assists"))
        if action == "dispatch":
            dispatch_svc.event_dispatch(lead=lead, assists=assists, instructions=comment, **kw)
        else:
            dispatch_svc.event_redispatch(lead=lead, assists=assists, reason=comment, **kw)
    elif action == "sign":
        dispatch_svc.assignment_sign(assignment=_assignment(request, event), actor=user)
    elif action == "return":
        dispatch_svc.assignment_return(assignment=_assignment(request, event), actor=user, reason=comment)
    elif action == "dispute":
        dispatch_svc.assignment_dispute(assignment=_assignment(request, event), actor=user, reason=comment)
    elif action == "arbitrate":
        keep = _flag(request, "keep") is not False
        lead = None if keep else _lead(request, event)
        dispatch_svc.event_arbitrate(assignment=_assignment(request, event), keep=keep, reason=comment,
                                     lead=lead, assists=[], **kw)
    elif action == "extension":
        due = parse_datetime(post.get("requested_due_at", ""))
        if due is None:
            raise ValidationFailed(_("Give the new deadline."), code="extension.due_required")
        if timezone.is_naive(due):
            due = timezone.make_aware(due)
        dispatch_svc.extension_request(event=event, actor=user, requested_due_at=due, reason=comment)
    elif action == "decide_extension":
        req = dispatch_selectors.extension_get(user=user, request_id=_int(request, "request"))
        if req.event_id != event.pk:
            raise NotFound(_("Not found."), code="extension.not_found")
        dispatch_svc.extension_decide(request=req, actor=user, approve=_flag(request, "approve") is True,
                                      comment=comment)
    elif action == "whistle":
        depts = _departments(request, event, post.getlist("departments"))
        whistle_svc.whistle_blow(event=event, actor=user, departments=depts, problem=post.get("problem", ""),
                                 urgent=_flag(request, "urgent") is True)
    elif action == "report_in":
        s = dispatch_selectors.summons_get(user=user, summons_id=_int(request, "summons"))
        if s.whistle.event_id != event.pk:
            raise NotFound(_("Not found."), code="summons.not_found")
        whistle_svc.summons_report_in(summons=s, actor=user, responder_name=post.get("responder_name", ""),
                                      responder_phone=post.get("responder_phone", "").strip())
    elif action == "photo":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("Choose a photo."), code="photo.empty")
        if upload.size and upload.size > max_bytes():
            raise ValidationFailed(_("The photo is too large."), code="photo.too_large")
        role = pick_role(user, event, Transition("photo", (), "", PHOTO_ROLES, "上传照片"))
        event_photo_add(event=event, actor=user, data=upload.read(), kind=post.get("kind", PhotoKind.AFTER),
                        role=role)
    else:
        raise NotFound(_("Unknown action."), code="web.unknown_action")


@require_POST
@login_required
def event_act(request, number: str, action: str):
    """Do one action from the event page, then back to the page with a message."""
    try:
        event = event_selectors.event_get(user=request.user, number=number)
    except NotFound:
        return _not_found(request)
    try:
        version = _int(request, "expected_version")
        if version != event.version:
            # The page was rendered from an older version: refuse before touching anything
            # (the services check again under the row lock).
            messages.error(request, _("The event changed since you read it; nothing was done. "
                                      "Check the page and try again."))
            return redirect("web:event", number=number)
        _do(request, event, action, version)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": action_label(action)})
    return redirect("web:event", number=number)
