"""The workspace panel of department and post staff (承办工作台): the supervision entries
addressed to their department or post, open ones first, each linking to its event. Reads through
``jiewang.supervision.selectors.addressed_to`` (scoped)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from jiewang.supervision import selectors

register = template.Library()


@register.inclusion_tag("web/supervision/_dept_panel.html", takes_context=True)
def supervision_panel(context):
    request = context["request"]
    entries = selectors.addressed_to(user=request.user, limit=20)
    return {"entries": entries, "show": bool(entries), "now_": timezone.now(),
            "open_count": sum(1 for e in entries if e.outcome == "open")}
