"""Template tags of the duty's pieces shown on other pages: the command center's duty panel
(today's duty and the flashing open alarms, each with its registry form to acknowledge it) and
the alarm card of the event page. Both read through ``jiewang.duty.selectors`` (scoped)."""

from __future__ import annotations

from django import template

from jiewang.areas.choices import AreaLevel
from jiewang.duty import selectors
from jiewang.duty.services.common import local_date

from ..actions import forms_for

register = template.Library()


@register.inclusion_tag("web/duty/_command_panel.html", takes_context=True)
def duty_panel(context, root):
    request = context["request"]
    user = request.user
    out = {"show": False, "request": request, "csrf_token": context.get("csrf_token")}
    if root is None:
        return out
    towns = [t for t in selectors.duty_towns(user=user) if t.path.startswith(root.path)]
    if not towns:
        return out
    alarms = selectors.open_alarms(user=user, towns=towns)
    for a in alarms:
        a.forms = forms_for(user, a.event, "command", names=("acknowledge_alarm",))
    today = None
    if root.level == AreaLevel.TOWN:
        day = local_date()
        row = selectors.duty_day(user=user, town=root, date=day)
        commanders, deputies = selectors.commanders_of(root)
        today = {"date": day, "row": row, "commanders": commanders, "deputies": deputies}
    out.update({"show": True, "root": root, "alarms": alarms, "today": today,
                "next": request.get_full_path()})
    return out


@register.inclusion_tag("web/duty/_event_alarm.html", takes_context=True)
def event_alarm(context, event):
    user = context["request"].user
    alarm = selectors.alarm_of_event(user=user, event=event) if user.is_authenticated else None
    return {"alarm": alarm}
