"""Dispatching's rows of the action registry (:mod:`jiewang.events.registry`): dispatch,
redispatch and arbitration, the handler's steps on its assignment (sign for, return, dispute,
an assisting handler's feedback — done by the staff of the assignment's handler, a department,
a post or an area, :mod:`.handlers`), extensions, the whistle, whistle requests (吹哨申请) and
report-ins with their rating, and the reminders of the command center and the board leaders.
Registered in ``DispatchingConfig.ready()``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.accounts.choices import Role
from jiewang.events.choices import EventStatus as S
from jiewang.events.lifecycle import LEVEL_ROLES, OPEN_WORK
from jiewang.events.registry import EventAction, Response, Subject, register, register_subject, role_for
from jiewang.events.schemas import EventOut, event_out_fresh

from . import schemas as s
from .gate import duty_item_choices
from .handlers import handler_name, staff_role
from .models import OPEN_ASSIGNMENT, Assignment, AssignmentStatus, ExtensionRequest, ExtensionStatus, SummonsStatus
from .models import WhistleRequest, WhistleRequestStatus, WhistleSummons

GW, CS, OP, LD, DS, DA = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                          Role.DEPARTMENT_STAFF, Role.DISTRICT_ADMIN)
PS, BL = Role.POST_STAFF, Role.BOARD_LEADER
CENTER = frozenset({OP, LD, DA})
# Staff of an assignment's handler: a department's, a post's, or (work sent down) an area's.
HANDLER_STAFF = frozenset({DS, PS, CS, GW})
# Who urges and supervises: the command center (its commander and deputy too: 指挥长 holds the power
# to supervise), and a board leader for the work of the board's posts.
OVERSEERS = CENTER | {BL, Role.COMMANDER, Role.DEPUTY_COMMANDER}
WHISTLERS = frozenset({GW, CS, OP, LD})
REQUESTERS = frozenset({GW, CS})
URGEABLE = frozenset({S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.FEEDBACK})
ASSIGNED = frozenset({S.DISPATCHED, S.HANDLING, S.FEEDBACK})
ASSIGNMENTS = Response(200, list[s.AssignmentOut], s.assignments_out)
ONE_ASSIGNMENT = Response(200, s.AssignmentOut, s.assignment_out)
REASON = _("Reason")


def _svc():
    from .services import assignments

    return assignments


def _whistles():
    from .services import whistles

    return whistles


def _requests():
    from .services import whistle_requests

    return whistle_requests


# ---- sub-objects ------------------------------------------------------------------------------

def _describe_assignment(a) -> str:
    return f"{handler_name(a)} · {a.get_role_display()}"


SUBJECTS = (
    Subject("assignment", "assignment_id", "assignments",
            load=lambda pk: Assignment.objects.select_related("event", "department", "post__board", "area")
            .filter(pk=pk).first(),
            event_id_of=lambda a: a.event_id,
            candidates=lambda event: list(Assignment.objects.filter(event=event, status__in=OPEN_ASSIGNMENT)
                                          .select_related("department", "post__board", "area").order_by("id")),
            handler_role=staff_role, describe=_describe_assignment),
    Subject("summons", "summons_id", "summonses",
            load=lambda pk: WhistleSummons.objects.select_related("whistle__event", "department")
            .filter(pk=pk).first(),
            event_id_of=lambda x: x.whistle.event_id,
            candidates=lambda event: list(WhistleSummons.objects.filter(whistle__event=event)
                                          .select_related("whistle", "department").order_by("id")),
            handler_role=staff_role, describe=lambda x: x.department.name),
    Subject("whistle_request", "whistle_request_id", "whistle-requests",
            load=lambda pk: WhistleRequest.objects.select_related("event", "area").filter(pk=pk).first(),
            event_id_of=lambda r: r.event_id,
            candidates=lambda event: list(WhistleRequest.objects.filter(event=event,
                                                                       status=WhistleRequestStatus.PENDING)
                                          .select_related("area").order_by("id")),
            describe=lambda r: f"{r.area.name}: {r.problem[:40]}"),
    Subject("extension", "request_id", "extensions",
            load=lambda pk: ExtensionRequest.objects.select_related("event").filter(pk=pk).first(),
            event_id_of=lambda r: r.event_id,
            candidates=lambda event: list(ExtensionRequest.objects.filter(event=event,
                                                                         status=ExtensionStatus.PENDING)),
            describe=lambda r: f"{timezone.localtime(r.requested_due_at):%Y-%m-%d %H:%M} — {r.reason}"),
)


# ---- choices for the page forms ------------------------------------------------------------

def _departments(ctx):
    """(choices, default lead) of the departments serving the event, cached per user object."""
    from .selectors import default_targets, departments_serving

    serving = departments_serving(user=ctx.user, event=ctx.event)
    lead, assists = default_targets(serving, ctx.event)
    return [(str(d.pk), d.name) for d in serving], (lead, assists)


def _lead_choices(ctx):
    """The one lead: the posts of the event's town, then the departments serving it; proposed:
    the category's post in the town first, its department second (:func:`.selectors.proposal`)."""
    from .selectors import posts_serving, proposal

    choices, (dept, _assists) = _departments(ctx)
    posts = posts_serving(user=ctx.user, event=ctx.event)
    post = proposal(posts, ctx.event)
    options = [("", "—")] + [(f"post:{p.pk}", f"{_('Post')} · {p.board.name} · {p.name}") for p in posts] \
        + [(f"department:{pk}", f"{_('Department')} · {name}") for pk, name in choices]
    default = f"post:{post.pk}" if post else (f"department:{dept}" if dept else "")
    return options, default


def _assist_choices(ctx):
    choices, (_lead, assists) = _departments(ctx)
    return choices, [str(a) for a in assists]


def _summon_choices(ctx):
    choices, _defaults = _departments(ctx)
    return choices, []


def _requested_choices(ctx):
    """The departments serving the event, the request's ones ticked (the center may change them)."""
    choices, _defaults = _departments(ctx)
    return choices, [str(pk) for pk in ctx.subject.departments.values_list("pk", flat=True)]


def _arbitrate_lead(ctx):
    options, _default = _lead_choices(ctx)
    return options, ""


DEPARTMENT_CHOICES = {"lead": _lead_choices, "assist_department_ids": _assist_choices}
LEAD_HIDDEN = ("lead_post_id", "lead_department_id")


def _targets(c, p):
    return _svc().resolve_targets(actor=c.user, lead=p.lead, lead_department_id=p.lead_department_id,
                                  lead_post_id=p.lead_post_id, assist_department_ids=p.assist_department_ids)


def _dispatch(c, p, *, action):
    lead, assists = _targets(c, p)
    if action == "dispatch":
        return _svc().event_dispatch(event=c.event, actor=c.user, lead=lead, assists=assists,
                                     instructions=p.comment, expected_version=p.expected_version)
    return _svc().event_redispatch(event=c.event, actor=c.user, lead=lead, assists=assists, reason=p.comment,
                                   expected_version=p.expected_version)


def _arbitrate(c, p):
    lead, assists = None, []
    if not p.keep:
        lead, assists = _targets(c, p)
    return _svc().event_arbitrate(event=c.event, actor=c.user, assignment=c.subject, keep=p.keep, reason=p.comment,
                                  lead=lead, assists=assists, expected_version=p.expected_version)


def _sending():
    from .services import sending

    return sending


def _send_down(c, p):
    area = _sending().resolve_area(actor=c.user, area_id=p.area_id)
    return _sending().event_send_down(event=c.event, actor=c.user, area=area, instructions=p.comment,
                                      expected_version=p.expected_version, duty_item_id=p.duty_item_id)


def _area_choices(ctx):
    """The villages/communities and grids of the event's town (each community, then its grids);
    proposed: the event's grid, else its community."""
    from .selectors import areas_below

    areas = areas_below(user=ctx.user, town=ctx.event.town)
    default = ctx.event.grid_id or ctx.event.community_id
    return [(str(a.pk), ("\u3000" if a.level != 4 else "") + a.name) for a in areas], str(default or "")


def _whistle(c, p):
    depts = _whistles().resolve_departments(actor=c.user, department_ids=p.department_ids)
    return _whistles().whistle_blow(event=c.event, actor=c.user, departments=depts, problem=p.problem,
                                    urgent=p.urgent)


def _request(c, p):
    depts = _whistles().resolve_departments(actor=c.user, department_ids=p.department_ids)
    return _requests().whistle_request_create(event=c.event, actor=c.user, departments=depts, problem=p.problem,
                                              urgent=p.urgent)


def _approve(c, p):
    depts = _whistles().resolve_departments(actor=c.user, department_ids=p.department_ids)
    return _requests().whistle_request_approve(request=c.subject, actor=c.user, departments=depts,
                                               problem=p.problem, urgent=p.urgent, comment=p.comment)


def _may_whistle_directly(ctx) -> bool:
    """Grid workers and community staff see the whistle only where their district allows it
    (elsewhere they see the request; the service refuses a direct whistle, 403)."""
    from jiewang.events.registry import get

    return not _whistles().needs_request(role_for(get("whistle"), ctx), ctx.event)


def _no_pending_request(ctx) -> bool:
    return not WhistleRequest.objects.filter(event=ctx.event, status=WhistleRequestStatus.PENDING).exists()


def _rateable(x) -> bool | str:
    """A summons is rated once, after its department reported in (or missed its report-in)."""
    if x.rating is not None:
        return "whistle.already_rated"
    return True if x.status != SummonsStatus.SUMMONED else "whistle.not_reported_in"


def _summoning_level(x) -> frozenset[str]:
    return LEVEL_ROLES.get(x.whistle.level, frozenset())


def _supervise(action):
    def run(c, p):
        from .services.supervision import event_supervise

        event_supervise(event=c.event, actor=c.user, action=action, comment=p.comment)
        return c.event

    return run


def _no_pending_extension(ctx) -> bool:
    return ctx.event.due_at is not None and not ExtensionRequest.objects.filter(
        event=ctx.event, status=ExtensionStatus.PENDING).exists()


def _extension_default(ctx):
    import datetime as dt

    from django.utils import timezone

    due = ctx.event.due_at or timezone.now()
    return timezone.localtime(due + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


ROWS = (
    EventAction(
        "dispatch", "派遣", _("Dispatch"), CENTER, s.DispatchIn, moves=("dispatch",),
        run=lambda c, p: _dispatch(c, p, action="dispatch"), response=ASSIGNMENTS,
        surfaces=frozenset({"event_page", "command"}), primary=True,
        labels={"lead": _("Lead (a post of the town, or a department)"),
                "assist_department_ids": _("Assisting departments"), "comment": _("Instructions")},
        choices=DEPARTMENT_CHOICES, hidden=LEAD_HIDDEN, done=_("Dispatched."),
        description="Give an accepted event to one lead (主办: a post of the town's boards, proposed first, or a "
                    "department) and any assisting departments (协办)."),
    EventAction(
        "send_down", "交办", _("Send down"), CENTER, s.SendDownIn, moves=("send_down",),
        run=_send_down, response=ONE_ASSIGNMENT, surfaces=frozenset({"event_page", "command"}),
        labels={"area_id": _("Village/community or grid"), "comment": _("Instructions"),
                "duty_item_id": _("Admitted duty (when the area is not where the event lies)")},
        choices={"area_id": _area_choices, "duty_item_id": lambda c: duty_item_choices(c)}, done=_("Sent down."),
        description="Give an accepted event to a village/community or a grid of the town (交办/下派): its "
                    "staff sign for, handle and feed back; the command center verifies. Passes the duty "
                    "admission gate: the area where the event lies, else an admitted duty cited "
                    "(409 admission.not_admitted)."),
    EventAction(
        "redispatch", "改派/转办", _("Redispatch"), CENTER, s.RedispatchIn, moves=("redispatch",),
        run=lambda c, p: _dispatch(c, p, action="redispatch"), response=ASSIGNMENTS,
        labels={"lead": _("Lead (a post of the town, or a department)"),
                "assist_department_ids": _("Assisting departments"), "comment": REASON},
        choices=DEPARTMENT_CHOICES, hidden=LEAD_HIDDEN, done=_("Redispatched."),
        description="Withdraw the open assignments and dispatch anew."),
    EventAction(
        "arbitrate", "仲裁", _("Arbitrate"), CENTER, s.ArbitrateIn, statuses=ASSIGNED, moves=("redispatch",),
        subject="assignment", subject_ok=lambda a: a.disputed_at is not None and a.arbitrated_at is None
        and a.status in OPEN_ASSIGNMENT, subject_conflict="dispatch.no_dispute",
        run=_arbitrate, response=ASSIGNMENTS, surfaces=frozenset({"event_page", "command"}),
        labels={"keep": _("Ruling"), "lead": _("New lead (when redispatching)"),
                "comment": _("Ruling")},
        choices={"keep": lambda c: ([("1", _("Keep the department responsible")),
                                     ("0", _("Redispatch to another lead"))], "1"),
                 "lead": _arbitrate_lead},
        hidden=(*LEAD_HIDDEN, "assist_department_ids"), done=_("Ruling recorded."),
        description="Rule on a disputed assignment: keep the department responsible, or redispatch."),
    EventAction(
        "sign", "签收", _("Sign for"), HANDLER_STAFF, s.NoInput, statuses=ASSIGNED, moves=("sign",),
        subject="assignment", subject_handler=True,
        subject_ok=lambda a: a.status == AssignmentStatus.DISPATCHED, subject_conflict="dispatch.not_awaiting_sign",
        run=lambda c, p: _svc().assignment_sign(assignment=c.subject, actor=c.user), response=ONE_ASSIGNMENT,
        surfaces=frozenset({"event_page", "department"}), primary=True, done=_("Signed for."),
        description="The handler takes its assignment; the lead's sign-for starts the handling."),
    EventAction(
        "return", "退回", _("Return"), HANDLER_STAFF, s.ReasonIn, statuses=ASSIGNED, moves=("return",),
        subject="assignment", subject_handler=True,
        subject_ok=lambda a: a.status == AssignmentStatus.DISPATCHED, subject_conflict="dispatch.not_awaiting_sign",
        run=lambda c, p: _svc().assignment_return(assignment=c.subject, actor=c.user, reason=p.comment),
        response=ONE_ASSIGNMENT, surfaces=frozenset({"event_page", "department"}),
        labels={"comment": _("Why it is not ours")}, done=_("Returned to the command center."),
        description="A wrong dispatch goes back with a reason (the lead's return reopens dispatch)."),
    EventAction(
        "dispute", "争议", _("Dispute responsibility"), HANDLER_STAFF, s.ReasonIn, statuses=ASSIGNED,
        subject="assignment", subject_handler=True,
        subject_ok=lambda a: "dispatch.not_signed" if a.status != AssignmentStatus.SIGNED
        else "dispatch.dispute_pending" if a.disputed_at and not a.arbitrated_at else True,
        run=lambda c, p: _svc().assignment_dispute(assignment=c.subject, actor=c.user, reason=p.comment),
        response=ONE_ASSIGNMENT, surfaces=frozenset({"event_page", "department"}),
        labels={"comment": _("Why another department is responsible")},
        done=_("Dispute sent to the command center for arbitration."),
        description="A department that signed for an event asks the command center to arbitrate."),
    EventAction(
        "assist_feedback", "协办反馈", _("Report our part done"), HANDLER_STAFF, s.ReasonIn, statuses=ASSIGNED,
        subject="assignment", subject_handler=True,
        subject_ok=lambda a: a.role == "assist" and a.status == AssignmentStatus.SIGNED,
        subject_conflict="dispatch.not_signed",
        run=lambda c, p: _svc().assignment_feedback(assignment=c.subject, actor=c.user, comment=p.comment),
        response=ONE_ASSIGNMENT, surfaces=frozenset({"event_page", "department"}),
        labels={"comment": _("What was done")}, done=_("Your part is reported done."),
        description="An assisting department reports its part done."),
    EventAction(
        "extension", "申请延期", _("Request an extension"), frozenset({DS, PS, CS, GW}), s.ExtensionIn, level_bound=True,
        statuses=frozenset({S.HANDLING}), when=_no_pending_extension, status_conflict="extension.not_handling",
        run=lambda c, p: _svc().extension_request(event=c.event, actor=c.user, requested_due_at=p.requested_due_at,
                                                  reason=p.comment),
        response=Response(201, s.ExtensionOut, s.extension_out), surfaces=frozenset({"event_page", "department"}),
        labels={"requested_due_at": _("New deadline"), "comment": REASON},
        choices={"requested_due_at": lambda c: ((), _extension_default(c))}, done=_("Extension requested."),
        description="The one handling the event asks for a later handling deadline."),
    EventAction(
        "decide_extension", "审批延期", _("Decide the extension"), CENTER, s.DecideIn, statuses=frozenset(S.values),
        subject="extension", subject_ok=lambda r: r.status == ExtensionStatus.PENDING,
        subject_conflict="extension.already_decided",
        run=lambda c, p: _svc().extension_decide(request=c.subject, actor=c.user, approve=p.approve,
                                                 comment=p.comment),
        response=Response(200, s.ExtensionOut, s.extension_out), subject_path="decide",
        surfaces=frozenset({"event_page", "command"}), primary=True,
        labels={"approve": _("Decision")},
        choices={"approve": lambda c: ([("1", _("Approve")), ("0", _("Reject"))], "1")},
        done=_("Extension decided."), description="The command center approves or rejects an extension."),
    EventAction(
        "whistle", "吹哨", _("Blow the whistle"), WHISTLERS, s.WhistleIn, statuses=frozenset(OPEN_WORK),
        status_conflict="whistle.event_not_open", when=_may_whistle_directly,
        run=_whistle, response=Response(201, s.WhistleOut, s.whistle_out),
        surfaces=frozenset({"event_page", "command"}),
        labels={"department_ids": _("Departments to summon"), "problem": _("Problem"),
                "urgent": _("Urgent (report in within 30 minutes)")},
        choices={"department_ids": _summon_choices}, done=_("Whistle blown."),
        description="Summon departments (吹哨): each must report in (报到) before its deadline. Grid workers "
                    "and community staff only where their district allows it (else 403 whistle.direct_not_allowed)."),
    EventAction(
        "request_whistle", "吹哨申请", _("Ask the center to blow the whistle"), REQUESTERS, s.WhistleRequestIn,
        statuses=frozenset(OPEN_WORK), status_conflict="whistle.event_not_open", when=_no_pending_request,
        run=_request, response=Response(201, s.WhistleRequestOut, s.whistle_request_out),
        labels={"department_ids": _("Departments you want summoned"), "problem": _("Problem"),
                "urgent": _("Urgent (report in within 30 minutes)")},
        choices={"department_ids": _summon_choices}, done=_("Whistle request sent to the command center."),
        description="A grid or community asks the town command center to blow the whistle (吹哨申请)."),
    EventAction(
        "approve_whistle_request", "批准吹哨", _("Approve and blow the whistle"), CENTER, s.ApproveWhistleRequestIn,
        statuses=frozenset(OPEN_WORK), status_conflict="whistle.event_not_open", subject="whistle_request",
        subject_ok=lambda r: r.status == WhistleRequestStatus.PENDING,
        subject_conflict="whistle_request.already_decided", subject_path="approve",
        run=_approve, response=Response(200, s.WhistleRequestOut, s.whistle_request_out),
        surfaces=frozenset({"event_page", "command"}), primary=True,
        labels={"department_ids": _("Departments to summon"), "problem": _("Problem"), "urgent": _("Urgent"),
                "comment": _("Comment (optional)")},
        choices={"department_ids": _requested_choices, "problem": lambda c: ((), c.subject.problem),
                 "urgent": lambda c: ([("1", _("Yes")), ("0", _("No"))], c.subject.is_urgent)},
        done=_("Whistle blown."),
        description="The command center approves a whistle request and blows the whistle to the departments "
                    "it chooses (the requested ones by default)."),
    EventAction(
        "decline_whistle_request", "不予吹哨", _("Decline the whistle request"), CENTER, s.ReasonIn,
        statuses=frozenset(OPEN_WORK), status_conflict="whistle.event_not_open", subject="whistle_request",
        subject_ok=lambda r: r.status == WhistleRequestStatus.PENDING,
        subject_conflict="whistle_request.already_decided", subject_path="decline",
        run=lambda c, p: _requests().whistle_request_decline(request=c.subject, actor=c.user, reason=p.comment),
        response=Response(200, s.WhistleRequestOut, s.whistle_request_out),
        surfaces=frozenset({"event_page", "command"}), labels={"comment": _("Why not")},
        done=_("Whistle request declined."), description="The command center declines, with a reason."),
    EventAction(
        "withdraw_whistle_request", "撤回吹哨申请", _("Withdraw the whistle request"), REQUESTERS, s.NoteIn,
        statuses=frozenset(OPEN_WORK), status_conflict="whistle.event_not_open", subject="whistle_request",
        subject_roles=lambda r: LEVEL_ROLES.get(r.level, frozenset()), who="of the level that asked",
        subject_ok=lambda r: r.status == WhistleRequestStatus.PENDING,
        subject_conflict="whistle_request.already_decided", subject_path="withdraw",
        run=lambda c, p: _requests().whistle_request_withdraw(request=c.subject, actor=c.user, comment=p.comment),
        response=Response(200, s.WhistleRequestOut, s.whistle_request_out),
        done=_("Whistle request withdrawn."), description="The requesting level takes back a pending request."),
    EventAction(
        "report_in", "报到", _("Report in"), frozenset({DS}), s.ReportInIn, statuses=frozenset(OPEN_WORK),
        subject="summons", subject_handler=True,
        subject_ok=lambda x: x.status in (SummonsStatus.SUMMONED, SummonsStatus.MISSED),
        subject_conflict="whistle.already_reported_in",
        run=lambda c, p: _whistles().summons_report_in(summons=c.subject, actor=c.user,
                                                       responder_name=p.responder_name,
                                                       responder_phone=p.responder_phone),
        response=Response(200, s.SummonsOut, s.summons_out), surfaces=frozenset({"event_page", "department"}),
        primary=True, labels={"responder_name": _("Responder"), "responder_phone": _("Responder's phone")},
        done=_("Reported in."), description="The summoned department acknowledges and names its responder."),
    EventAction(
        "rate_summons", "报到评价", _("Rate the department's response"), WHISTLERS, s.RateSummonsIn,
        statuses=frozenset(S.values), subject="summons", subject_ok=_rateable,
        subject_roles=_summoning_level, who="of the level that blew the whistle", subject_path="rate",
        run=lambda c, p: _whistles().summons_rate(summons=c.subject, actor=c.user, attended=p.attended,
                                                  rating=p.rating, comment=p.comment),
        response=Response(200, s.SummonsOut, s.summons_out), surfaces=frozenset({"event_page", "command"}),
        labels={"attended": _("Attended"), "rating": _("Rating (1–5)"), "comment": _("Comment (optional)")},
        choices={"rating": lambda c: ([(str(i), str(i)) for i in range(5, 0, -1)], "5")},
        done=_("Rating recorded."), description="The summoning level records attendance and rates (双向考核)."),
    EventAction(
        "remind", "催办", _("Urge (催办)"), OVERSEERS, s.NoteIn, statuses=URGEABLE,
        status_conflict="supervision.not_open", run=_supervise("remind"), response=Response(200, EventOut,
                                                                                            event_out_fresh),
        surfaces=frozenset({"event_page", "command", "department"}), done=_("Reminder sent."),
        description="The command center (or the board leader, for a post's work) urges the ones who hold the event."),
    EventAction(
        "supervise", "督办", _("Supervise (督办)"), OVERSEERS, s.NoteIn, statuses=URGEABLE,
        status_conflict="supervision.not_open", run=_supervise("supervise"),
        response=Response(200, EventOut, event_out_fresh),
        surfaces=frozenset({"event_page", "command", "department"}), done=_("Supervision recorded and sent."),
        description="Formal supervision: the holders and the town leaders are told (SMS when urgent)."),
)


def register_rows() -> None:
    for subject in SUBJECTS:
        register_subject(subject)
    register(*ROWS)
