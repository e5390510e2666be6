""""我的反映" by phone: a resident proves a phone number with a one-time code sent by SMS and then
sees the reports made with that number, without an account.

* :func:`reporter_code_issue` makes a 6-digit code, stores only its keyed hash (bound to the
  phone's keyed hash), valid ``REPORTER_CODE_MINUTES`` (10), and queues the SMS through the
  pluggable senders (``notifications.OutboundMessage``; the worker sends it). At most
  ``REPORTER_CODES_PER_HOUR_PER_PHONE`` codes per phone and ``REPORTER_CODES_PER_HOUR_PER_IP`` per
  client address in the last hour (counted from the rows themselves). The answer is the same
  whether or not the phone ever reported anything: nobody learns from it whose phone reported.
* :func:`reporter_code_verify` checks a code against the phone's latest unused one. A wrong code
  only adds one to that code's attempt counter (``REPORTER_CODE_MAX_ATTEMPTS`` tries, then the
  code is dead); a right one is used up and returns the phone's keyed hash, which the page keeps
  in the session for a short while to list :func:`reports_by_phone`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiewang.audit.services import audit_record
from jiewang.core.crypto import blind_index
from jiewang.core.errors import ApplicationError, ValidationFailed

from ..models import Event, ReporterCode
from .public import normalize_phone

CODE_DIGITS = 6
REPORTS_SHOWN = 100


class TooManyCodes(ApplicationError):
    status = 429
    code = "reporter_code.rate_limited"


def _phone(phone: str) -> str:
    phone = normalize_phone(phone)
    if not phone:
        raise ValidationFailed("请填写手机号码 / Enter the phone number.", code="reporter_code.phone_required",
                               fields={"phone": "required"})
    return phone


def _code_hash(phone_index: str, code: str) -> str:
    return blind_index(f"reporter-code:{phone_index}:{code}")


def reporter_code_issue(*, phone: str, ip: str, now: dt.datetime | None = None) -> ReporterCode:
    """Send a one-time code to ``phone`` (see the module docstring). Refusals: 422 for a missing
    or malformed number, 429 ``reporter_code.rate_limited`` past the hourly limits; nothing is
    written then."""
    from jiewang.notifications.models import OutboundMessage

    now = now or timezone.now()
    phone = _phone(phone)
    phone_index, ip_index = blind_index(phone), blind_index(f"ip:{ip or '-'}")
    since = now - dt.timedelta(hours=1)
    recent = ReporterCode.objects.filter(created_at__gt=since)
    if (recent.filter(phone_index=phone_index).count() >= int(settings.REPORTER_CODES_PER_HOUR_PER_PHONE)
            or recent.filter(ip_index=ip_index).count() >= int(settings.REPORTER_CODES_PER_HOUR_PER_IP)):
        raise TooManyCodes("验证码发送次数过多，请一小时后再试 / Too many codes were sent; try again in an hour.")
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = int(settings.REPORTER_CODE_MINUTES)
    with transaction.atomic():
        row = ReporterCode.objects.create(phone_index=phone_index, code_hash=_code_hash(phone_index, code),
                                          ip_index=ip_index, created_at=now,
                                          expires_at=now + dt.timedelta(minutes=minutes))
        OutboundMessage.objects.create(
            channel="sms", address=phone, created_at=now, next_attempt_at=now,
            body=_("[Jiewang] Your code is %(code)s, valid for %(minutes)d minutes, to see your reports. "
                   "Do not tell it to anyone.") % {"code": code, "minutes": minutes})
        audit_record(actor=None, action="reporter_code.issue", obj=row)
    return row


def reporter_code_verify(*, phone: str, code: str, now: dt.datetime | None = None) -> str:
    """The phone's keyed hash when ``code`` is its latest unused, unexpired code (which is then
    used up); else 422 ``reporter_code.invalid`` (wrong, expired, used or none) or
    ``reporter_code.too_many_attempts``. A wrong code adds one attempt and changes nothing else."""
    now = now or timezone.now()
    phone = _phone(phone)
    phone_index = blind_index(phone)
    code = (code or "").strip()
    invalid = ValidationFailed("验证码错误或已过期 / The code is wrong or has expired.", code="reporter_code.invalid",
                               fields={"code": "invalid"})
    with transaction.atomic():
        row = (ReporterCode.objects.select_for_update()
               .filter(phone_index=phone_index, used_at__isnull=True, expires_at__gt=now)
               .order_by("-created_at", "-id").first())
        if row is None:
            raise invalid
        if row.attempts >= int(settings.REPORTER_CODE_MAX_ATTEMPTS):
            raise ValidationFailed("尝试次数过多，请重新获取验证码 / Too many tries; ask for a new code.",
                                   code="reporter_code.too_many_attempts", fields={"code": "invalid"})
        right = len(code) == CODE_DIGITS and code.isdigit() and hmac.compare_digest(
            row.code_hash, _code_hash(phone_index, code))
        if right:
            ReporterCode.objects.filter(pk=row.pk).update(used_at=now)
            audit_record(actor=None, action="reporter_code.verify", obj=row)
            return phone_index
        # Committed with the transaction; the refusal is raised after it.
        ReporterCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    raise invalid


def reports_by_phone(*, phone_index: str):
    """The reports made with the phone whose keyed hash is ``phone_index`` (newest first, at most
    :data:`REPORTS_SHOWN`). Not a ``restrict()`` read: the proof is the code just verified, and
    only what the public tracking page shows is shown."""
    if not phone_index:
        return Event.objects.none()
    return (Event.objects.filter(reporter_phone_index=phone_index).select_related("category", "town", "community")
            .order_by("-reported_at", "-id")[:REPORTS_SHOWN])


def report_by_phone(*, phone_index: str, number: str) -> Event | None:
    """One report of that phone (None for another phone's report or an unknown number)."""
    if not phone_index:
        return None
    return (Event.objects.select_related("category", "town", "community", "grid")
            .filter(number=number, reporter_phone_index=phone_index).first())
