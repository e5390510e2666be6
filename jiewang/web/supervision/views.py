"""督导台账 — the supervision log page (``/command/supervision/``): the command center's reminders,
supervisions and escalations, filtered by addressee (department, post or area), kind, outcome and
month, with counts per addressee; each row links to its event. Reads through
``jiewang.supervision.selectors`` (scoped: a town's people see their town, a district
administrator the district)."""

from __future__ import annotations

import re

from django.shortcuts import render
from django.utils import timezone

from jiewang.supervision import selectors
from jiewang.supervision.choices import SupervisionKind, SupervisionOutcome
from jiewang.supervision.permissions import CENTER

from ..command.helpers import role_required

TARGET = re.compile(r"^(department|post|area):([0-9]{1,18})$")
MONTH = re.compile(r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")
PAGE = 200


def _form(request) -> tuple[dict, selectors.Filters]:
    g = request.GET
    form = {"target": g.get("target", ""), "kind": g.get("kind", ""), "outcome": g.get("outcome", ""),
            "month": g.get("month", "")}
    match = TARGET.match(form["target"])
    outcomes = {*SupervisionOutcome.values, "overdue"}
    filters = selectors.Filters(
        target_kind=match.group(1) if match else None, target_id=int(match.group(2)) if match else None,
        kind=form["kind"] if form["kind"] in SupervisionKind.values else None,
        outcome=form["outcome"] if form["outcome"] in outcomes else None,
        month=form["month"] if MONTH.match(form["month"]) else None)
    return form, filters


@role_required(set(CENTER))
def log(request):
    form, filters = _form(request)
    entries = list(selectors.entry_list(user=request.user, filters=filters)[:PAGE])
    summary = selectors.summary(user=request.user, filters=filters)
    outcomes = [*SupervisionOutcome.choices, ("overdue", _overdue_label())]
    return render(request, "web/supervision/log.html", {
        "form": form, "entries": entries, "summary": summary, "page_size": PAGE,
        "targets": selectors.targets_in(user=request.user), "kinds": SupervisionKind.choices,
        "outcomes": outcomes, "now_": timezone.now(),
        "totals": {k: sum(r[k] for r in summary) for k in ("issued", "on_time", "late", "open", "overdue",
                                                             "withdrawn")},
    })


def _overdue_label():
    from django.utils.translation import gettext

    return gettext("Open past its reply deadline")
