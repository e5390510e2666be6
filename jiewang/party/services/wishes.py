"""Small wishes (微心愿) and members serving residents: 点单 (a resident or grid worker posts) → 派单
(the community or grid party branch publishes) → 接单 (a reported-in member or a co-building unit
claims, does it and uploads proof) → 评单 (the requester rates). The rating turns the member's
hours into confirmed service under their report-in, so wishes flow into the yearly evaluation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed, is_allowed, user_grants
from jiewang.notifications.services import notify

from ..choices import WishCategory
from ..lifecycle import WISH
from ..models import CoBuilding, PartyOrg, ReportIn, ServiceRecord, Wish
from ..permissions import HANDLERS
from .common import check_version, ensure_may_add, required
from .members import _phone


def _place(area: Area) -> tuple[Area, Area | None]:
    """(community, grid) of the place a wish is posted for: a community, a grid or a micro-grid."""
    if area.level == AreaLevel.COMMUNITY:
        return area, None
    if area.level == AreaLevel.GRID:
        return area.parent, area
    if area.level == AreaLevel.MICROGRID:
        return area.parent.parent, area.parent
    raise ValidationFailed("请选择村(社区)或网格 / Choose a community or a grid.", code="party.wish_place",
                           fields={"area_id": "level"})


@transaction.atomic
def wish_post(*, actor, area: Area, title: str, category: str, description: str = "", wanted_by: dt.date | None = None,
              requester_name: str = "", requester_phone: str = "") -> Wish:
    """点单. A resident posts their own wish in their community; a grid worker or the community's
    people post one for a resident (name and phone of the requester)."""
    community, grid = _place(area)
    ensure_may_add(actor, area.path, HANDLERS | {"grid_worker", "resident"})
    if category not in WishCategory.values:
        raise ValidationFailed("请选择类别 / Choose a category.", code="validation_failed", fields={"category": "invalid"})
    if wanted_by is not None and wanted_by < timezone.localdate():
        raise ValidationFailed("期望日期已过 / The date has passed.", code="validation_failed",
                               fields={"wanted_by": "past"})
    is_resident = actor is not None and not actor.is_superuser and all(
        g.role == "resident" for g in user_grants(actor) if area.path.startswith(g.path))
    if is_resident:
        requester_name = requester_name or actor.display_name or actor.username
    wish = Wish.objects.create(
        community=community, grid=grid, area_path=area.path, title=required(title, "title", 80),
        description=(description or "").strip()[:1000], category=category, wanted_by=wanted_by,
        requester_name=required(requester_name, "requester_name", 60), requester_phone=_phone(requester_phone),
        requester=actor if is_resident else None, posted_by=actor, posted_at=timezone.now())
    audit_record(actor=actor, action="party_wish.post", obj=wish, data={"area": area.code, "category": category})
    return wish


def _move(actor, wish: Wish, move: str, expected_version=None, **changes) -> Wish:
    locked = Wish.objects.select_for_update().get(pk=wish.pk)
    check_version(locked, expected_version, "party.wish_stale")
    WISH.apply(locked, move, at=timezone.now(), changes={**changes, "version": locked.version + 1})
    audit_record(actor=actor, action=f"party_wish.{move}", obj=locked,
                 data={k: str(v) for k, v in changes.items() if k not in ("claimant_member", "claimant_org")})
    return locked


@transaction.atomic
def wish_publish(*, actor, wish: Wish, expected_version=None) -> Wish:
    """派单: the community or grid party branch publishes the wish on the board for claiming; the
    members reported in to the community are told."""
    ensure_allowed(actor, Action.CHANGE, wish)
    wish = _move(actor, wish, "publish", expected_version)
    members = ReportIn.objects.filter(community=wish.community, status="confirmed", member__user__isnull=False,
                                      member__user__is_active=True).select_related("member__user")
    with translation.override("zh-hans"):
        notify(users=[r.member.user for r in members], kind="party",
               title=_("A small wish to claim: %(title)s") % {"title": wish.title}, body=wish.description[:200],
               url="/party/me/")
    return wish


@transaction.atomic
def wish_refuse(*, actor, wish: Wish, reason: str) -> Wish:
    ensure_allowed(actor, Action.CHANGE, wish)
    return _move(actor, wish, "refuse", close_reason=required(reason, "reason", 200))


def _is_requester(actor, wish: Wish) -> bool:
    return actor is not None and actor.pk in (wish.requester_id, wish.posted_by_id)


@transaction.atomic
def wish_withdraw(*, actor, wish: Wish, reason: str = "") -> Wish:
    ensure_allowed(actor, Action.VIEW, wish)
    if not _is_requester(actor, wish):
        raise PermissionDenied("只有提出人可以撤回 / Only the requester withdraws.", code="permission_denied")
    return _move(actor, wish, "withdraw", close_reason=(reason or "").strip()[:200])


def _member_report_in(actor, wish: Wish) -> ReportIn | None:
    if actor is None:
        return None
    return ReportIn.objects.select_related("member").filter(
        member__user_id=actor.pk, member__active=True, status="confirmed", community_id=wish.community_id).first()


def _co_building_org(org: PartyOrg, wish: Wish) -> bool:
    """Is ``org`` a co-building unit of the street the wish's community belongs to?"""
    return CoBuilding.objects.filter(org=org, left_on__isnull=True,
                                     street_org__area_id=wish.community.parent_id).exists()


@transaction.atomic
def wish_claim(*, actor, wish: Wish, org: PartyOrg | None = None) -> Wish:
    """接单. A member reported in (and confirmed) to the wish's community claims it for themselves; the
    community's people claim it for a co-building unit of the street (``org``)."""
    ensure_allowed(actor, Action.VIEW, wish)
    if org is None:
        report_in = _member_report_in(actor, wish)
        if report_in is None:
            raise PermissionDenied("只有到本社区报到的党员可以认领 / Only members reported in to this community "
                                   "claim its wishes.", code="party.wish_not_reported_in")
        return _move(actor, wish, "claim", claimant_member=report_in.member, claimant_org=None)
    ensure_allowed(actor, Action.CHANGE, wish)
    if not _co_building_org(org, wish):
        raise ValidationFailed("该单位不是本街道的共建单位 / Not a co-building unit of this street.",
                               code="party.wish_not_co_building", fields={"org_id": "not_co_building"})
    return _move(actor, wish, "claim", claimant_member=None, claimant_org=org)


def _is_claimant(actor, wish: Wish) -> bool:
    if wish.claimant_member_id:
        return actor is not None and wish.claimant_member.user_id == actor.pk
    return is_allowed(actor, Action.CHANGE, wish)  # a unit's claim is handled by the community's people


@transaction.atomic
def wish_release(*, actor, wish: Wish) -> Wish:
    ensure_allowed(actor, Action.VIEW, wish)
    if not _is_claimant(actor, wish):
        raise PermissionDenied("只有认领人可以放弃 / Only the claimant releases it.", code="permission_denied")
    return _move(actor, wish, "release", claimant_member=None, claimant_org=None)


def check_proof_photo(data: bytes) -> tuple[str, str, str]:
    """A photo proof is checked exactly as an event's photo (``events.services.photos``: the same
    byte limit ``EVENT_PHOTO_MAX_BYTES``, type by content — JPEG, PNG, WebP —, decodable, not too many
    pixels). Returns (content type, extension, sha256); raises ``photo.*`` errors."""
    from jiewang.events.services.photos import check_image

    try:
        return check_image(data)
    except ApplicationError as exc:
        exc.fields = {"photo": {"photo.too_large": "too_large", "photo.empty": "empty"}.get(exc.code, exc.code)}
        raise


@transaction.atomic
def wish_complete(*, actor, wish: Wish, proof: str, hours: Decimal, photo: bytes | None = None) -> Wish:
    """The claimant reports it done with proof: what was done, the hours it took and optionally a
    photo (checked before anything is written: a refused photo leaves the wish claimed). The photo is
    shown to the requester and the community's people (:func:`proof_photo_visible`)."""
    ensure_allowed(actor, Action.VIEW, wish)
    if not _is_claimant(actor, wish):
        raise PermissionDenied("只有认领人可以办结 / Only the claimant completes it.", code="permission_denied")
    hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    if not Decimal("0.5") <= hours <= Decimal("24"):
        raise ValidationFailed("服务时长为0.5到24小时 / Hours are 0.5 to 24.", code="validation_failed",
                               fields={"hours": "range"})
    proof = required(proof, "proof", 1000)
    checked = check_proof_photo(photo) if photo is not None else None
    wish = _move(actor, wish, "complete", proof=proof, hours=hours)
    if checked is not None:
        content_type, ext, digest = checked
        wish.proof_photo.save(f"wish-{wish.pk}-{digest[:12]}.{ext}", ContentFile(photo), save=False)
        wish.proof_photo_type, wish.proof_photo_sha256 = content_type, digest
        wish.save(update_fields=["proof_photo", "proof_photo_type", "proof_photo_sha256"])
        audit_record(actor=actor, action="party_wish.proof_photo", obj=wish,
                     data={"sha256": digest, "size": len(photo)})
    _note_on_event(wish, actor, f"党员已完成：{wish.proof}")
    if wish.requester_id:
        with translation.override("zh-hans"):
            notify(users=[wish.requester], kind="party", title=_("Your wish was fulfilled: %(title)s") % {
                "title": wish.title}, body=wish.proof[:200], url="/report/wishes/")
    return wish


@transaction.atomic
def wish_rate(*, actor, wish: Wish, rating: int, comment: str = "") -> Wish:
    """评单. The requester (or whoever posted it for them) rates 1–5. A member's hours become confirmed
    service under their report-in (source ``wish``)."""
    ensure_allowed(actor, Action.VIEW, wish)
    if not _is_requester(actor, wish):
        raise PermissionDenied("只有提出人可以评价 / Only the requester rates.", code="permission_denied")
    if not 1 <= int(rating) <= 5:
        raise ValidationFailed("评分为1到5分 / A rating is 1 to 5.", code="validation_failed", fields={"rating": "range"})
    wish = _move(actor, wish, "rate", rating=int(rating), rating_comment=(comment or "").strip()[:300])
    if wish.claimant_member_id:
        report_in = ReportIn.objects.filter(member_id=wish.claimant_member_id, community_id=wish.community_id,
                                            status="confirmed").first()
        if report_in is not None:
            record = ServiceRecord.objects.create(
                report_in=report_in, area_path=report_in.area_path, served_on=timezone.localdate(wish.done_at),
                hours=wish.hours, description=f"微心愿：{wish.title}"[:300], source="wish", recorded_by=actor,
                recorded_at=wish.rated_at, confirmed_at=wish.rated_at, confirmed_by=actor)
            audit_record(actor=actor, action="party_service.log", obj=record,
                         data={"report_in": report_in.pk, "hours": str(wish.hours), "wish": wish.pk})
    return wish


@transaction.atomic
def wish_from_event(*, actor, event, note: str = "") -> Wish:
    """交党员认领: the registry's ``hand_to_party``. The grid hands a small event it handles itself to
    its party branch: a wish, published at once (the grid's handover is the 派单), in the event's grid,
    for the members reported in to its community. The event's timeline records it."""
    from jiewang.events.registry import authorize
    from jiewang.events.services.transition import event_note

    role = authorize("hand_to_party", actor=actor, event=event)
    if Wish.objects.filter(event_number=event.number).exclude(status__in=["refused", "withdrawn"]).exists():
        from jiewang.core.errors import Conflict

        raise Conflict("该事件已交党员认领 / Already handed to the party members.", code="hand_to_party.already")
    area = event.grid or event.community
    community, grid = _place(area)
    now = timezone.now()
    wish = Wish.objects.create(
        community=community, grid=grid, area_path=area.path, title=event.title[:80],
        description=((note or "").strip() + "\n" + event.description).strip()[:1000], category=WishCategory.OTHER,
        requester_name=(event.reporter_name or "网格代办")[:60], requester=event.reporter, posted_by=actor,
        event_number=event.number, status="published", posted_at=now, published_at=now)
    event_note(event=event, action="hand_to_party", actor=actor, role=role, comment=note[:2000],
               data={"wish": wish.pk})
    audit_record(actor=actor, action="party_wish.from_event", obj=wish, data={"event": event.number})
    members = ReportIn.objects.filter(community=community, status="confirmed", member__user__isnull=False,
                                      member__user__is_active=True).select_related("member__user")
    with translation.override("zh-hans"):
        notify(users=[r.member.user for r in members], kind="party",
               title=_("A small wish to claim: %(title)s") % {"title": wish.title}, body=wish.description[:200],
               event_number=event.number, url="/party/me/")
    return wish


def proof_photo_visible(user, wish: Wish) -> bool:
    """Who sees a wish's photo proof: the requester (or whoever posted it for them), the claimant, and
    the people who keep the wish's community (the branch that published it; community and party
    staff of its area)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or user.pk in (wish.requester_id, wish.posted_by_id):
        return True
    if wish.claimant_member_id and wish.claimant_member.user_id == user.pk:
        return True
    return is_allowed(user, Action.CHANGE, wish)


def _note_on_event(wish: Wish, actor, comment: str) -> None:
    """A wish made from an event: the member's completion goes on the event's timeline, for the grid
    to verify and close."""
    if not wish.event_number:
        return
    from jiewang.events.models import Event
    from jiewang.events.services.transition import event_note

    event = Event.objects.filter(number=wish.event_number).first()
    if event is not None:
        event_note(event=event, action="party_wish_done", actor=actor, comment=comment[:2000],
                   data={"wish": wish.pk})
