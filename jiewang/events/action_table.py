"""The event's own rows of the action registry (see :mod:`.registry`); registered in
``EventsConfig.ready()``. Dispatching adds its rows (dispatch, sign for, whistle …) the same way."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jiewang.accounts.choices import Role

from . import schemas as s
from .choices import EventStatus, LocationStatus
from .lifecycle import SYSTEM
from .registry import EventAction, Response, register

GW, CS, OP, LD, DS, DA, RES = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                               Role.DEPARTMENT_STAFF, Role.DISTRICT_ADMIN, Role.RESIDENT)
PS = Role.POST_STAFF
EVENT = Response(200, s.EventOut, s.event_out_fresh)
REASON = _("Reason")


def _svc():
    from .services import actions

    return actions


def _photo(ctx, p):
    from jiewang.core.errors import PayloadTooLarge, ValidationFailed

    from .services.photos import event_photo_add, max_bytes

    upload = (ctx.files or {}).get("file")
    if upload is None:
        raise ValidationFailed("请选择照片 / Choose a photo.", code="photo.empty", fields={"file": "required"})
    if upload.size and upload.size > max_bytes():
        raise PayloadTooLarge("图片过大 / Image too large.", code="photo.too_large")
    return event_photo_add(event=ctx.event, actor=ctx.user, data=upload.read(), kind=p.kind)


def _place(ctx, p):
    from .services.placing import event_place

    return event_place(event=ctx.event, actor=ctx.user, lon=p.lon, lat=p.lat, crs=p.crs, comment=p.comment,
                       expected_version=p.expected_version)


def _checklist(ctx):
    """A task's checklist items still open (ticked when feeding back); none for other events."""
    from .models import ChecklistItem

    items = ChecklistItem.objects.filter(event=ctx.event, done_at__isnull=True).order_by("order", "id")
    return [(str(i.pk), i.text) for i in items], []


def _not_own_task(ctx) -> bool:
    """A task sent down is verified by its sender's side (the command center), not by the
    village/community or grid it was sent to (see ``event_verify``)."""
    from .registry import get, role_for
    from .services.actions import TASK_VERIFY_REFUSED

    return not (ctx.event.source == "sent_down" and role_for(get("verify"), ctx) in TASK_VERIFY_REFUSED)


def _may_go_up(ctx) -> bool:
    from .services.actions import NEXT_LEVEL

    return ctx.event.level in NEXT_LEVEL


ROWS = (
    EventAction(
        "place", "定位", _("Place on the map"), frozenset({OP, LD, DA}), s.PlaceIn, moves=("place",),
        level_bound=True, when=lambda c: c.event.location_status == LocationStatus.UNPLACED, run=_place,
        response=EVENT, surfaces=frozenset({"event_page", "command"}), primary=True,
        labels={"lon": _("Longitude"), "lat": _("Latitude"), "crs": _("Coordinate system")},
        choices={"crs": lambda c: ([("wgs84", _("WGS84 (GPS, this page's map)")),
                                    ("gcj02", _("GCJ-02 (Chinese web maps)"))], "wgs84")},
        done=_("Placed: the event now goes to the area it lies in."),
        description="An event reported by address only (待定位) is placed inside its town, then located and "
                    "routed as intake would have (409 event.already_placed, 422 event.place_outside_town)."),
    EventAction(
        "accept", "立案", _("Accept"), frozenset({CS, OP, LD, DA}), s.VerbIn, moves=("accept",), level_bound=True,
        run=lambda c, p: _svc().event_accept(event=c.event, actor=c.user, comment=p.comment,
                                             expected_version=p.expected_version),
        response=EVENT, surfaces=frozenset({"event_page", "command"}), primary=True,
        done=_("Accepted: the event is now waiting for dispatch."),
        description="The level holding the event takes it on; its handling clock starts."),
    EventAction(
        "void", "作废", _("Void"), frozenset({GW, CS, OP, LD, DA}), s.VoidIn, moves=("void",), level_bound=True,
        run=lambda c, p: _svc().event_void(event=c.event, actor=c.user, reason=p.comment,
                                           duplicate_of_number=p.duplicate_of, expected_version=p.expected_version),
        response=EVENT, surfaces=frozenset({"event_page", "command"}),
        labels={"comment": REASON, "duplicate_of": _("Duplicate of event number (optional)")},
        done=_("Voided."), description="Invalid, or a duplicate merged into its original; every clock stops."),
    EventAction(
        "escalate", "上报上级", _("Escalate to the next level"), frozenset({GW, CS, OP, LD, SYSTEM}), s.ReasonIn,
        moves=("escalate",), level_bound=True, when=_may_go_up,
        run=lambda c, p: _svc().event_escalate(event=c.event, actor=c.user, reason=p.comment,
                                               expected_version=p.expected_version),
        response=EVENT, labels={"comment": REASON}, done=_("Escalated to the next level."),
        description="Grid → community → town command center → district; a fresh accept clock."),
    EventAction(
        "self_handle", "网格自办", _("Handle in the grid"), frozenset({GW}), s.VerbIn, moves=("self_handle",),
        level_bound=True, when=lambda c: c.event.category.grid_may_self_handle,
        run=lambda c, p: _svc().event_self_handle(event=c.event, actor=c.user, comment=p.comment,
                                                  expected_version=p.expected_version),
        response=EVENT, description="The grid worker handles a grid-level event himself."),
    EventAction(
        "handle_locally", "本级办理", _("Handle at this level"), frozenset({CS, OP, LD, DA}), s.VerbIn,
        moves=("handle_locally",), level_bound=True,
        run=lambda c, p: _svc().event_handle_locally(event=c.event, actor=c.user, comment=p.comment,
                                                     expected_version=p.expected_version),
        response=EVENT, description="The community (or the town) handles an accepted event itself."),
    EventAction(
        "feedback", "办结反馈", _("Report as done"), frozenset({GW, CS, OP, LD, DS, PS, DA}), s.FeedbackIn,
        moves=("feedback",), level_bound=True,
        run=lambda c, p: _svc().event_feedback(event=c.event, actor=c.user, comment=p.comment,
                                               expected_version=p.expected_version, checked=p.checked),
        response=EVENT, surfaces=frozenset({"event_page", "department"}), attachments=True,
        primary=True, labels={"comment": _("What was done"), "checked": _("Checklist: done")},
        choices={"checked": _checklist}, done=_("Fed back: the command center will verify."),
        description="The handler (the lead department or post, the level handling it, or the village/community "
                    "or grid a task was sent down to, ticking its checklist) says it is done."),
    EventAction(
        "close_on_spot", "就地办结", _("Close on the spot"), frozenset({GW}), s.ReasonIn, moves=("close_on_spot",),
        run=lambda c, p: _svc().event_close_on_spot(event=c.event, actor=c.user, comment=p.comment,
                                                    expected_version=p.expected_version),
        response=EVENT, labels={"comment": _("What was done")},
        description="A grid worker who handled the event himself closes it."),
    EventAction(
        "verify", "核查", _("Verify"), frozenset({GW, CS, OP}), s.VerifyIn, moves=("verify_pass", "verify_fail"),
        run=lambda c, p: _svc().event_verify(event=c.event, actor=c.user, passed=p.passed, comment=p.comment,
                                             expected_version=p.expected_version),
        response=EVENT, surfaces=frozenset({"event_page", "command"}), primary=True, when=_not_own_task,
        labels={"passed": _("Result"), "comment": _("Comment (required when it fails)")},
        choices={"passed": lambda c: ([("1", _("Passed: close")), ("0", _("Failed: back for rework"))], "1")},
        done=_("Verification recorded."),
        description="On-site verification: passing closes the event, failing sends it back for rework."),
    EventAction(
        "shelve", "挂账", _("Shelve"), frozenset({OP, LD}), s.ReasonIn, moves=("shelve",),
        run=lambda c, p: _svc().event_shelve(event=c.event, actor=c.user, reason=p.comment,
                                             expected_version=p.expected_version),
        response=EVENT, labels={"comment": REASON},
        description="Long-term work kept in the problem pool; its clocks pause."),
    EventAction(
        "resume", "恢复办理", _("Resume"), frozenset({OP, LD}), s.VerbIn, moves=("resume",),
        run=lambda c, p: _svc().event_resume(event=c.event, actor=c.user, comment=p.comment,
                                             expected_version=p.expected_version),
        response=EVENT, description="A shelved event is handled again; its clocks run on."),
    EventAction(
        "visit", "回访", _("Return visit"), frozenset({OP, LD, CS}), s.VisitIn, moves=("visit", "redo"),
        statuses=frozenset({EventStatus.CLOSED}),
        run=lambda c, p: _svc().event_return_visit(
            event=c.event, actor=c.user, contacted=p.contacted, resolved=p.resolved, satisfaction=p.satisfaction,
            comment=p.comment, expected_version=p.expected_version),
        response=EVENT, surfaces=frozenset({"event_page", "command"}),
        labels={"contacted": _("Reporter reached"), "resolved": _("Resolved"), "satisfaction": _("Satisfaction")},
        done=_("Return visit recorded."),
        description="Contacted / resolved / satisfaction; 不满意 sends the event back for redo."),
    EventAction(
        "rate", "群众评价", _("Rate"), frozenset({RES, SYSTEM}), s.RateIn, moves=("rate", "redo"),
        statuses=frozenset({EventStatus.CLOSED}),
        run=lambda c, p: _svc().event_rate(event=c.event, actor=c.user, satisfaction=p.satisfaction,
                                           comment=p.comment, expected_version=p.expected_version),
        response=EVENT, labels={"satisfaction": _("Satisfaction")}, done=_("Thank you for your rating."),
        description="The reporter's own rating; 不满意 sends the event back for redo."),
    EventAction(
        "photo", "上传照片", _("Add a photo"), frozenset({GW, CS, OP, LD, DS, PS, "department_assist", RES, SYSTEM}),
        s.PhotoIn, statuses=frozenset(v for v in EventStatus.values if v not in ("voided", "rated")),
        run=_photo, response=Response(201, s.PhotoOut, s.photo_out), path="photos", multipart=True,
        labels={"kind": _("Kind")}, done=_("Photo added."),
        description="Attach a photo (JPEG/PNG/WebP) at any step of an open event."),
)


def register_rows() -> None:
    register(*ROWS)
