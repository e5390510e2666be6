"""The resident portal's services: an anonymous (or signed-in) resident reports a problem, follows
it with a tracking token, and rates the result.

Abuse guard without CAPTCHA (closed networks cannot reach a CAPTCHA service):

* a honeypot field that people never see and bots fill in;
* a signed form timestamp: a submission sooner than ``RESIDENT_FORM_MIN_SECONDS`` (3 s) after
  the form was served, or later than ``RESIDENT_FORM_MAX_SECONDS`` (2 h), is refused;
* rate limits per phone (``RESIDENT_REPORTS_PER_HOUR_PER_PHONE``, 5 an hour) and per client
  address (``RESIDENT_REPORTS_PER_HOUR_PER_IP``, 20 an hour), counted in Django's cache (the
  database backend, shared by every worker) in fixed one-hour windows;
* size limits (the photo, the texts; the whole request is checked by the view).

Every refusal raises an :class:`ApplicationError` with a stable code *before* anything is
written. The tracking token is shown once and stored hashed (``Event.track_token_hash``).
"""

from __future__ import annotations

import hmac
import re
import time
import uuid

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_noop as N_

from jiewang.core.crypto import blind_index
from jiewang.core.errors import ApplicationError, NotFound, PayloadTooLarge, ValidationFailed

from ..choices import EventChannel, EventStatus, PhotoKind
from ..models import Event, MatterCategory
from .intake import event_report, hash_track_token, new_track_token

FORM_SALT = "jiewang.events.public.form"
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
WINDOW_SECONDS = 3600


class TooManyReports(ApplicationError):
    status = 429
    code = "resident.rate_limited"


# ---- the signed form timestamp ----------------------------------------------------------------

def form_stamp(now: float | None = None) -> str:
    """A signed value for the report form: when it was served and a fresh idempotency key (so a
    double-click or a resubmitted form creates one event)."""
    return signing.dumps({"t": int(now if now is not None else time.time()), "k": uuid.uuid4().hex},
                         salt=FORM_SALT, compress=True)


def check_form_stamp(stamp: str, now: float | None = None) -> str:
    """The form's idempotency key, or a refusal if the form is forged, too fast or too old."""
    now = now if now is not None else time.time()
    try:
        data = signing.loads(stamp or "", salt=FORM_SALT)
        served, key = float(data["t"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed("表单无效，请刷新页面后重新填写 / The form is invalid; reload the page and try again.",
                               code="resident.form_invalid") from None
    age = now - served
    if age < float(settings.RESIDENT_FORM_MIN_SECONDS):
        raise ValidationFailed("提交过快，请稍候再提交 / Submitted too quickly; please wait a moment and submit again.",
                               code="resident.too_fast")
    if age > float(settings.RESIDENT_FORM_MAX_SECONDS):
        raise ValidationFailed("表单已过期，请刷新页面后重新填写 / The form has expired; reload the page and try again.",
                               code="resident.form_expired")
    return key


# ---- rate limits --------------------------------------------------------------------------------

def _window(now: float) -> int:
    return int(now // WINDOW_SECONDS)


def _limit_keys(*, ip: str, phone: str, user, now: float) -> list[tuple[str, int]]:
    w = _window(now)
    per_phone = int(settings.RESIDENT_REPORTS_PER_HOUR_PER_PHONE)
    keys = [(f"jw:rl:ip:{blind_index(ip or '-')[:32]}:{w}", int(settings.RESIDENT_REPORTS_PER_HOUR_PER_IP))]
    if phone:
        keys.append((f"jw:rl:phone:{blind_index(phone)[:32]}:{w}", per_phone))
    if user is not None and getattr(user, "is_authenticated", False):
        keys.append((f"jw:rl:user:{user.pk}:{w}", per_phone))
    return keys


def check_rate_limits(*, ip: str, phone: str, user=None, now: float | None = None) -> None:
    now = now if now is not None else time.time()
    for key, limit in _limit_keys(ip=ip, phone=phone, user=user, now=now):
        if int(cache.get(key, 0)) >= limit:
            raise TooManyReports("提交次数过多，请一小时后再试或拨打服务电话 / Too many reports; try again in an hour "
                                 "or call the service line.")


def _count(*, ip: str, phone: str, user, now: float) -> None:
    for key, _limit in _limit_keys(ip=ip, phone=phone, user=user, now=now):
        if not cache.add(key, 1, timeout=WINDOW_SECONDS + 60):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=WINDOW_SECONDS + 60)


# ---- report --------------------------------------------------------------------------------

def normalize_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        raise ValidationFailed("电话号码格式不正确 / The phone number is not valid.", code="resident.phone_invalid",
                               fields={"phone": "invalid"})
    return phone


def resident_report(*, actor, ip: str, stamp: str, honeypot: str, category: MatterCategory | None,
                    lon: float | None, lat: float | None, title: str, description: str = "", phone: str = "",
                    name: str = "", photo: bytes | None = None, now: float | None = None
                    ) -> tuple[Event, str, bool]:
    """Report a problem from the resident portal. Returns ``(event, track_token, created)``;
    a resubmitted form returns the first event with ``created`` False and no new token."""
    from .photos import max_bytes, read_exif, sniff

    now = now if now is not None else time.time()
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if (honeypot or "").strip():
        raise ValidationFailed("无法受理此次提交 / This submission cannot be accepted.", code="resident.rejected")
    key = check_form_stamp(stamp, now)
    idempotency_key = f"resident-{key}"
    existing = Event.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, "", False
    if category is None or not category.is_active or category.parent_id is None:
        raise ValidationFailed("请选择问题类别 / Choose a kind of problem.", code="event.category_unknown",
                               fields={"category": "required"})
    if lon is None or lat is None:
        raise ValidationFailed("请在地图上标出位置 / Mark the place on the map.", code="resident.location_required",
                               fields={"location": "required"})
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed("请用一句话（120 字以内）说明问题 / Describe the problem in one line (at most 120 "
                               "characters).", code="event.title_required", fields={"title": "required"})
    if len(description or "") > 2000:
        raise ValidationFailed("描述过长（最多 2000 字）/ The description is too long (at most 2000 characters).",
                               code="event.description_too_long", fields={"description": "too long"})
    phone = normalize_phone(phone)
    if user is None and not phone:
        raise ValidationFailed("匿名反映问题须留电话，以便回访 / Leave a phone number so that we can follow up.",
                               code="resident.phone_required", fields={"phone": "required"})
    if photo is not None:
        if len(photo) > max_bytes():
            raise PayloadTooLarge(f"图片过大（上限 {max_bytes() // 1024 // 1024} MB）/ The photo is too large.",
                                  code="photo.too_large")
        if photo:
            sniff(photo)
            read_exif(photo)  # refuses a corrupt image before anything is written
    check_rate_limits(ip=ip, phone=phone, user=user, now=now)
    token = new_track_token()
    with transaction.atomic():
        event, created = event_report(
            actor=user, channel=EventChannel.RESIDENT_WEB, category=category, lon=lon, lat=lat, title=title,
            description=description or "", reporter_name=(name or "").strip()[:64], reporter_phone=phone,
            idempotency_key=idempotency_key, track_token=token,
        )
        if not created:
            return event, "", False
        if photo:
            from .photos import event_photo_add

            event_photo_add(event=event, actor=user, data=photo, kind=PhotoKind.REPORT)
    _count(ip=ip, phone=phone, user=user, now=now)
    return event, token, True


# ---- tracking and rating -----------------------------------------------------------------------

def event_track(*, number: str, token: str) -> Event:
    """The event whose tracking token is ``token``; a wrong or missing token is a 404."""
    event = (Event.objects.select_related("category", "town", "community", "grid")
             .filter(number=number).exclude(track_token_hash="").first())
    if event is None or not token or not hmac.compare_digest(event.track_token_hash, hash_track_token(token)):
        raise NotFound("事件不存在 / Event not found.", code="event.not_found")
    return event


# Steps a resident may see, with a public wording (no staff names, no internal comments).
PUBLIC_STEPS = {
    "report": N_("Report received"),
    "escalate": N_("Passed to a higher level"),
    "accept": N_("Accepted for handling"),
    "self_handle": N_("Being handled by the grid worker"),
    "handle_locally": N_("Being handled"),
    "dispatch": N_("Assigned to the responsible department"),
    "redispatch": N_("Assigned to the responsible department"),
    "sign": N_("The department is handling it"),
    "feedback": N_("Work done; being checked on site"),
    "verify_fail": N_("Sent back for more work"),
    "verify_pass": N_("Checked and closed"),
    "close_on_spot": N_("Solved on the spot"),
    "shelve": N_("Taken on as long-term work"),
    "resume": N_("Handling resumed"),
    "void": N_("Not taken on (invalid or duplicate)"),
    "visit": N_("Return visit"),
    "rate": N_("Rated by the reporter"),
    "redo": N_("Reopened after an unsatisfied rating"),
}


def public_timeline(event: Event) -> list[dict]:
    """The event's steps as a resident may see them: what happened and when, nothing else."""
    out = []
    for a in event.activities.order_by("at", "id").only("action", "at", "to_status"):
        if a.action in PUBLIC_STEPS:
            out.append({"action": a.action, "label": PUBLIC_STEPS[a.action], "at": a.at, "status": a.to_status})
    return out


def event_rate_by_token(*, number: str, token: str, satisfaction: str, comment: str = "", user=None) -> Event:
    """The reporter rates the result: the token is the proof; the rating goes through
    ``event_transition`` (action ``rate``), recorded as the signed-in reporter when ``user`` is the
    event's reporter, else as the anonymous reporter (no actor, role ``reporter``)."""
    from .actions import event_rate

    event = event_track(number=number, token=token)
    if event.status != EventStatus.CLOSED:
        from ..lifecycle import transition_for

        transition_for("rate", event.status)  # raises the usual "not allowed from this state"
    actor = user if user is not None and user.is_authenticated and event.reporter_id == user.pk else None
    return event_rate(event=event, actor=actor, satisfaction=satisfaction, comment=(comment or "")[:500])
