"""预警 — handling an alert from the command center's alert panel (``templatetags/warning.py``):
one POST view per verb (acknowledge, convert into an event or a supervision task, dismiss),
through ``jiewang.warning.services.alerts``; a refusal shows the service's message and changes
nothing. The queue itself is read by the panel (``jiewang.warning.selectors.alert_queue``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.core.errors import ApplicationError
from jiewang.warning import selectors
from jiewang.warning.permissions import HANDLERS
from jiewang.warning.services import alerts as svc

from ..command.helpers import role_required, safe_next

DONE = {
    "acknowledge": lambda: _("Alert acknowledged."),
    "event": lambda: _("Alert converted into an event."),
    "supervision": lambda: _("Alert converted into a supervision task (催办)."),
    "dismiss": lambda: _("Alert dismissed."),
}


@require_POST
@role_required(HANDLERS)
def alert_action(request, alert_id: int, verb: str):
    back = safe_next(request, reverse("web:command"))
    note = (request.POST.get("note") or "")[:500]
    try:
        alert = selectors.alert_get(user=request.user, alert_id=alert_id)
        if verb == "acknowledge":
            svc.alert_acknowledge(actor=request.user, alert=alert, note=note)
        elif verb in ("event", "supervision"):
            svc.alert_convert(actor=request.user, alert=alert, to=verb, note=note)
        elif verb == "dismiss":
            svc.alert_dismiss(actor=request.user, alert=alert, note=note)
        else:
            return redirect(back)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE[verb]())
    return redirect(back)
