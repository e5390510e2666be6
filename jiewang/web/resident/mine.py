""""我的反映" (/report/mine/): a resident finds their earlier reports.

Two ways, neither needing an account:

* the tracking links this device remembers: the receipt page writes each one to the browser's
  ``localStorage`` (``static/web/resident-mine.js``) and this page lists them; the server never
  sees that list;
* the phone number: a one-time code by SMS (:mod:`jiewang.events.services.reporter_codes`); once
  it is verified the session holds the phone's keyed hash (never the number) for
  :data:`VERIFIED_SECONDS`, and the page lists that phone's reports, each with its public progress
  (``mine/<number>/``). Another phone's reports cannot be reached: the number is checked against
  the verified hash on every request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiewang.core.crypto import mask_phone
from jiewang.core.errors import ApplicationError
from jiewang.events.choices import EventStatus
from jiewang.events.services import public, reporter_codes

SESSION_KEY = "reporter_phone"
VERIFIED_SECONDS = 30 * 60


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


def verified_phone(request) -> dict | None:
    """``{"index", "masked"}`` while the session's phone proof is fresh, else None."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or float(data.get("until", 0)) < time.time():
        return None
    return data


def mine(request):
    step, phone, error, status = "phone", "", None, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        phone = (request.POST.get("phone") or "").strip()
        try:
            if action == "send":
                reporter_codes.reporter_code_issue(phone=phone, ip=_client_ip(request))
                step = "code"
                messages.info(request, _("A code was sent by SMS to %(phone)s. It is valid for %(minutes)d minutes.")
                              % {"phone": mask_phone(public.normalize_phone(phone)),
                                 "minutes": settings.REPORTER_CODE_MINUTES})
            elif action == "verify":
                step = "code"
                index = reporter_codes.reporter_code_verify(phone=phone, code=request.POST.get("code", ""))
                request.session[SESSION_KEY] = {"index": index, "until": time.time() + VERIFIED_SECONDS,
                                                "masked": mask_phone(public.normalize_phone(phone))}
                request.session.cycle_key()
                return redirect("web:resident-mine")
            elif action == "forget":
                request.session.pop(SESSION_KEY, None)
                return redirect("web:resident-mine")
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    verified = verified_phone(request)
    reports = []
    if verified:
        reports = list(reporter_codes.reports_by_phone(phone_index=verified["index"]))
        for e in reports:
            e.status_label = EventStatus(e.status).label
    return render(request, "web/resident/mine.html", {
        "step": step, "phone": phone, "error": error, "verified": verified, "reports": reports,
    }, status=status)


def mine_event(request, number: str):
    """One report of the verified phone: the public progress (as the tracking link shows it)."""
    verified = verified_phone(request)
    event = reporter_codes.report_by_phone(phone_index=verified["index"], number=number) if verified else None
    if event is None:
        return render(request, "web/not_found.html", status=404)
    steps = [{**s, "label": _(s["label"])} for s in public.public_timeline(event)]
    return render(request, "web/resident/track.html", {
        "event": event, "token": "", "steps": steps, "error": None,
        "status_label": EventStatus(event.status).label, "can_rate": False, "back_to_mine": True,
    })
