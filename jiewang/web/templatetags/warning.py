"""The command center's alert panel (预警): the open and acknowledged alerts of the areas under the
page's root, each with its buttons. Reads through ``jiewang.warning.selectors`` (scoped)."""

from __future__ import annotations

from django import template

from jiewang.warning import selectors

register = template.Library()


@register.inclusion_tag("web/warning/_command_panel.html", takes_context=True)
def warning_panel(context, root):
    request = context["request"]
    out = {"show": False, "csrf_token": context.get("csrf_token")}
    if root is None:
        return out
    alerts = selectors.alert_queue(user=request.user, under=root.path, limit=20)
    out.update({"show": bool(alerts), "alerts": alerts, "next": request.get_full_path()})
    return out
