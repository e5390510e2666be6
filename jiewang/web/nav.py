"""Which workspaces a user sees in the top navigation, and where "home" sends them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop

from jiewang.accounts.choices import Role
from jiewang.accounts.permissions import COMMAND_LEADERS, STAFF_ROLES
from jiewang.core.scope import user_grants

# (url name, label msgid, roles that see it, group); superusers see everything. The top bar shows one
# entry per group (the group's label, linking to its first section the user may see; the section's
# own label when the user sees only one), and a page of a group with several sections shows them all
# in a bar of its own: a town leader's fourteen sections fit in seven entries, on a phone too.
SECTIONS = [
    ("web:command", "Command center", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, *COMMAND_LEADERS}, "command"),
    ("web:duty", "Duty", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, *COMMAND_LEADERS}, "command"),
    ("web:supervision", "Supervision log", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
                                            *COMMAND_LEADERS}, "command"),  # 督导台账, /command/supervision/
    ("web:grid", "My grid", {Role.GRID_WORKER, Role.COMMUNITY_STAFF}, "grid"),
    ("web:staffing", "Grid staffing", {Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
                                       *COMMAND_LEADERS}, "grid"),  # 网格力量 (1+3+N)
    ("web:staffing-me", "My profile", {Role.GRID_WORKER}, "grid"),
    ("web:basedata", "Base data", {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                                   Role.DISTRICT_ADMIN, *COMMAND_LEADERS}, "grid"),  # 一标三实 (after the workspaces)
    ("web:patrol-coverage", "Patrols and visits", {Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                                                   Role.DISTRICT_ADMIN, *COMMAND_LEADERS}, "grid"),  # 巡查走访覆盖
    ("web:department", "Handling workbench", {Role.DEPARTMENT_STAFF, Role.POST_STAFF, Role.BOARD_LEADER}, "department"),
    ("web:events", "Find events", STAFF_ROLES, "events"),  # after the workspaces: never a role's home
    ("web:assessment", "Assessment", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, Role.DEPARTMENT_STAFF,
                                      *COMMAND_LEADERS}, "assess"),
    ("web:party", "Party building", {Role.PARTY_STAFF, Role.COMMANDER, Role.COMMUNITY_STAFF, Role.TOWN_LEADER,
                                     Role.DISTRICT_ADMIN}, "party"),
    ("web:party-me", "My party service", "member", "party"),  # a user linked to a party member (党员)
    ("web:admission", "Duty admission", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, Role.DEPARTMENT_STAFF,
                                         Role.POST_STAFF, Role.BOARD_LEADER, Role.COMMUNITY_STAFF, *COMMAND_LEADERS}, "grid"),  # 职责事项准入
    ("web:bulletins", "Monthly bulletins", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
                                            *COMMAND_LEADERS}, "assess"),
    ("web:resident", "Report a problem", None, "report"),  # everyone, signed in or not
    ("web:resident-mine", "My reports", {Role.RESIDENT}, "mine"),  # 我的反映; also anonymous and role-less people
    ("web:party-wishes", "Small wishes", {Role.RESIDENT, Role.GRID_WORKER}, "party"),  # 微心愿
    ("web:warning-rules", "Warning rules", {Role.DISTRICT_ADMIN, Role.TOWN_LEADER, Role.COMMANDER}, "command"),  # 预警规则
    ("web:manage", "Administration", {Role.DISTRICT_ADMIN, Role.TOWN_LEADER}, "manage"),
]


GROUPS = {
    "command": gettext_noop("Command and dispatch"),  # 指挥调度
    "grid": gettext_noop("Grid work"),  # 网格工作
    "assess": gettext_noop("Assessment and bulletins"),  # 考核通报
    "party": gettext_noop("Party building and service"),  # 党建服务
}
# A group led by one of these sections takes the section's label (a grid worker's "我的网格").
LEADS = {"web:grid", "web:party-me"}


def sections_for(user) -> list[tuple[str, str]]:
    """The sections ``user`` may open, in order: (url, label)."""
    return [(url, label) for url, label, _group, _name in _visible(user)]


def _visible(user) -> list[tuple[str, str, str, str]]:
    from django.utils.translation import gettext as _

    if not user.is_authenticated:
        return [(reverse("web:resident"), _("Report a problem"), "report", "web:resident"),
                (reverse("web:resident-mine"), _("My reports"), "mine", "web:resident-mine")]
    roles = {g.role for g in user_grants(user)} or {Role.RESIDENT}  # a person without a role is a resident
    out = []
    for name, label, allowed, group in SECTIONS:
        if allowed == "member":
            if not user.is_superuser and not _is_party_member(user):
                continue
        elif not (user.is_superuser or allowed is None or roles & allowed):
            continue
        try:
            out.append((reverse(name), _(label), group, name))
        except Exception:  # noqa: BLE001 - a section not wired yet
            continue
    return out


def _is_party_member(user) -> bool:
    from jiewang.party.models import PartyMember

    return PartyMember.objects.filter(user_id=user.pk, active=True).exists()


def home_url_for(user) -> str:
    """The first workspace of the user's roles (the resident portal for residents)."""
    for url, _label in sections_for(user):
        return url
    return reverse("web:resident")


def current_section(path: str, sections) -> str:
    """The section ``path`` belongs to: the longest section URL it starts with ("" for none)."""
    return max((url for url, _label in sections if path.startswith(url)), key=len, default="")


def groups_for(visible, current: str) -> list[dict]:
    """The top bar's entries: {"url", "label", "current", "sections": [(url, label)]} per group, in
    the order of their first section."""
    from django.utils.translation import gettext as _

    out: dict[str, dict] = {}
    for url, label, group, name in visible:
        g = out.get(group)
        if g is None:
            lead = len([v for v in visible if v[2] == group]) == 1 or name in LEADS or group not in GROUPS
            g = out[group] = {"url": url, "label": label if lead else _(GROUPS[group]), "current": False,
                              "sections": []}
        g["sections"].append((url, label))
        g["current"] = g["current"] or url == current
    return list(out.values())


def nav(request) -> dict:
    """Template context processor: the top bar's groups, and the sections of the current page's
    group when it has several (``nav_local``)."""
    visible = _visible(request.user) if hasattr(request, "user") else []
    sections = [(url, label) for url, label, _g, _n in visible]
    current = current_section(getattr(request, "path", ""), sections)
    groups = groups_for(visible, current)
    local = next((g["sections"] for g in groups if g["current"] and len(g["sections"]) > 1), [])
    return {"nav_sections": sections, "nav_current": current, "nav_groups": groups, "nav_local": local}
