"""The unstaffed-grid flag on the community's and the town's pages (网格无专职网格员): the grids
under the page's root without an active full-time grid worker, for the roles the flag is meant
for (community staff, town operators and leaders, district administrators, the command center's
leaders). Reads through ``jiewang.staffing.selectors`` (scoped)."""

from __future__ import annotations

from django import template

from jiewang.core.scope import user_grants
from jiewang.staffing import selectors
from jiewang.staffing.permissions import PHONE_READERS

register = template.Library()
SHOWN = 10


@register.inclusion_tag("web/staffing/_flags_panel.html", takes_context=True)
def staffing_flags(context, root=None):
    request = context["request"]
    user = request.user
    out = {"show": False}
    if not user.is_authenticated or not (user.is_superuser or any(g.role in PHONE_READERS for g in user_grants(user))):
        return out
    grids = selectors.unstaffed_grids(user=user, under=root)
    shown = list(grids[:SHOWN + 1])
    if not shown:
        return out
    count = len(shown) if len(shown) <= SHOWN else grids.count()
    out.update({"show": True, "grids": shown[:SHOWN], "count": count, "more": count > SHOWN, "root": root})
    return out
