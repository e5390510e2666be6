"""值班 — the town command center's duty pages (``/duty/``): the roster as a month grid (edited a
day at a time by the town's leaders and the commander), and the day's duty log with the handover
between shifts. Reads through ``jiewang.duty.selectors``, writes through ``jiewang.duty.services``;
a refused write shows the service's message and changes nothing."""

from __future__ import annotations

import calendar
import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts.models import User
from jiewang.core.errors import ApplicationError, NotFound
from jiewang.duty import selectors
from jiewang.duty.permissions import DUTY_VIEWERS, ROSTER_EDITORS, ROSTER_LEADER_ROLES, roles_over
from jiewang.duty.services import log as log_svc
from jiewang.duty.services.common import days_ahead, local_date
from jiewang.duty.services.roster import duty_day_set, town_members
from jiewang.events.models import Event

from ..command.helpers import not_found, parse_day, role_required

duty_required = role_required(DUTY_VIEWERS)


def _town(request, town_id=None):
    """(the town shown, the user's towns): ``?town=`` if it is one of them, else the first."""
    towns = selectors.duty_towns(user=request.user)
    wanted = str(town_id or request.GET.get("town") or request.POST.get("town") or "")
    for t in towns:
        if str(t.id) == wanted:
            return t, towns
    if wanted:
        return None, towns
    return (towns[0] if towns else None), towns


def _may_edit(user, town) -> bool:
    return user.is_superuser or bool(roles_over(user, town) & ROSTER_EDITORS)


def _day(value: str | None) -> dt.date | None:
    """A day the duty can concern (2000–2100), or None."""
    day = parse_day(value)
    return day if day is not None and 2000 <= day.year <= 2100 else None


def _month(value: str | None, today: dt.date) -> tuple[int, int]:
    try:
        y, m = (int(x) for x in (value or "").split("-"))
        if 2000 <= y <= 2100 and 1 <= m <= 12:
            return y, m
    except ValueError:
        pass
    return today.year, today.month


@duty_required
def roster(request):
    town, towns = _town(request)
    if town is None:
        if request.GET.get("town"):
            return not_found(request)
        return render(request, "web/duty/roster.html", {"town": None, "towns": towns})
    today = local_date()
    year, month = _month(request.GET.get("month"), today)
    rows = selectors.roster_month(user=request.user, town=town, year=year, month=month)
    last_editable = today + dt.timedelta(days=days_ahead())
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([{"date": d, "in_month": d.month == month, "row": rows.get(d), "today": d == today,
                       "editable": today <= d <= last_editable, "past": d < today} for d in week])
    first = dt.date(year, month, 1)
    prev_month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    next_month = (first + dt.timedelta(days=32)).strftime("%Y-%m")
    commanders, deputies = selectors.commanders_of(town)
    return render(request, "web/duty/roster.html", {
        "town": town, "towns": towns, "weeks": weeks, "month": first, "prev_month": prev_month,
        "next_month": next_month, "may_edit": _may_edit(request.user, town), "today": today,
        "days_ahead": days_ahead(), "commanders": commanders, "deputies": deputies,
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
    })


def _members(town) -> tuple[list, list]:
    """(possible leaders, possible operators) of the town's roster, by name."""
    members = town_members(town)
    users = {u.pk: u for u in User.objects.filter(pk__in=members)}
    leaders = sorted((users[pk] for pk, roles in members.items() if roles & ROSTER_LEADER_ROLES), key=str)
    everyone = sorted(users.values(), key=str)
    return leaders, everyone


@duty_required
def roster_day(request, town_id: int, day: str):
    town, _towns = _town(request, town_id)
    date = _day(day)
    if town is None or date is None:
        return not_found(request)
    if not _may_edit(request.user, town):
        return render(request, "web/command/forbidden.html", status=403)
    row = selectors.duty_day(user=request.user, town=town, date=date)
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            leader_id = post.get("leader") or ""
            leader = User.objects.filter(pk=int(leader_id)).first() if leader_id.isdigit() else None
            ids = [int(x) for x in post.getlist("operators") if x.isdigit()]
            operators = list(User.objects.filter(pk__in=ids))
            version = post.get("version", "")
            duty_day_set(actor=request.user, town=town, date=date, leader=leader, operators=operators,
                         note=post.get("note", ""), expected_version=int(version) if version.isdigit() else None)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Roster saved."))
            return redirect(f"{reverse('web:duty')}?town={town.id}&month={date:%Y-%m}")
    leaders, everyone = _members(town)
    today = local_date()
    return render(request, "web/duty/day.html", {
        "town": town, "date": date, "row": row, "leaders": leaders, "everyone": everyone, "error": error,
        "operator_ids": {u.pk for u in row.operators.all()} if row else set(),
        "editable": today <= date <= today + dt.timedelta(days=days_ahead()),
    }, status=422 if error else 200)


@duty_required
def log(request):
    town, towns = _town(request)
    if town is None:
        if request.GET.get("town"):
            return not_found(request)
        return render(request, "web/duty/log.html", {"town": None, "towns": towns})
    today = local_date()
    day = _day(request.GET.get("date")) or today
    row = selectors.duty_day(user=request.user, town=town, date=day)
    handover = selectors.handover_of(user=request.user, town=town, date=day)
    incoming = selectors.handover_of(user=request.user, town=town, date=day - dt.timedelta(days=1))
    on_duty = day == today and log_svc.on_duty(request.user, town, today)
    leader_today = row is not None and row.leader_id == request.user.pk
    return render(request, "web/duty/log.html", {
        "town": town, "towns": towns, "day": day, "today": today, "row": row,
        "entries": selectors.log_entries(user=request.user, town=town, date=day),
        "alarms": selectors.alarms_on(user=request.user, town=town, day=day),
        "handover": handover, "incoming": incoming, "on_duty": on_duty,
        "may_hand_over": leader_today and handover is None and day in (today, today - dt.timedelta(days=1)),
        "may_confirm": incoming is not None and incoming.confirmed_at is None and leader_today,
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
    })


def _back(town, day=None) -> str:
    url = f"{reverse('web:duty-log')}?town={town.id}"
    return f"{url}&date={day.isoformat()}" if day else url


@require_POST
@duty_required
def log_add(request):
    town, _towns = _town(request)
    if town is None:
        return not_found(request)
    try:
        number = (request.POST.get("event_number") or "").strip()
        event = None
        if number:
            event = Event.objects.filter(number=number).first()
            if event is None:
                raise NotFound(_("No event has this number."), code="duty.event_not_in_town")
        log_svc.duty_log_add(actor=request.user, town=town, body=request.POST.get("body", ""), event=event)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Entry added to the duty log."))
    return redirect(_back(town))


@require_POST
@duty_required
def handover_write(request):
    town, _towns = _town(request)
    day = _day(request.POST.get("date"))
    if town is None or day is None:
        return not_found(request)
    try:
        log_svc.handover_write(actor=request.user, town=town, date=day, summary=request.POST.get("summary", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Shift handed over; the next duty leader confirms it."))
    return redirect(_back(town, day))


@require_POST
@duty_required
def handover_confirm(request, handover_id: int):
    try:
        h = selectors.handover_get(user=request.user, handover_id=handover_id)
    except NotFound:
        return not_found(request)
    try:
        log_svc.handover_confirm(actor=request.user, handover=h, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Handover confirmed: the duty is yours."))
    return redirect(_back(h.town, h.date + dt.timedelta(days=1)))
