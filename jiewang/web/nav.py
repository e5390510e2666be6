"""Which workspaces a user sees in the top navigation, and where "home" sends them."""

from __future__ import annotations

from django.urls import reverse

from jiewang.accounts.choices import Role
from jiewang.accounts.permissions import COMMAND_LEADERS, STAFF_ROLES
from jiewang.core.scope import user_grants

# (url name, label msgid, roles that see it); superusers see everything.
SECTIONS = [
    ("web:command", "Command center", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, *COMMAND_LEADERS}),
    ("web:duty", "Duty", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, *COMMAND_LEADERS}),
    ("web:supervision", "Supervision log", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
                                            *COMMAND_LEADERS}),  # 督导台账, /command/supervision/
    ("web:grid", "My grid", {Role.GRID_WORKER, Role.COMMUNITY_STAFF}),
    ("web:staffing", "Grid staffing", {Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
                                       *COMMAND_LEADERS}),  # 网格力量 (1+3+N)
    ("web:staffing-me", "My profile", {Role.GRID_WORKER}),
    ("web:basedata", "Base data", {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                                   Role.DISTRICT_ADMIN, *COMMAND_LEADERS}),  # 一标三实 (after the workspaces)
    ("web:patrol-coverage", "Patrols and visits", {Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                                                   Role.DISTRICT_ADMIN, *COMMAND_LEADERS}),  # 巡查走访覆盖
    ("web:department", "Handling workbench", {Role.DEPARTMENT_STAFF, Role.POST_STAFF, Role.BOARD_LEADER}),
    ("web:events", "Find events", STAFF_ROLES),  # after the workspaces: never a role's home
    ("web:assessment", "Assessment", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, Role.DEPARTMENT_STAFF,
                                      *COMMAND_LEADERS}),
    ("web:party", "Party building", {Role.PARTY_STAFF, Role.COMMANDER, Role.COMMUNITY_STAFF, Role.TOWN_LEADER,
                                     Role.DISTRICT_ADMIN}),
    ("web:party-me", "My party service", "member"),  # a user linked to a party member (党员)
    ("web:admission", "Duty admission", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, Role.DEPARTMENT_STAFF,
                                         Role.POST_STAFF, Role.BOARD_LEADER, Role.COMMUNITY_STAFF, *COMMAND_LEADERS}),  # 职责事项准入
    ("web:bulletins", "Monthly bulletins", {Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
                                            *COMMAND_LEADERS}),
    ("web:resident", "Report a problem", None),  # everyone, signed in or not
    ("web:resident-mine", "My reports", {Role.RESIDENT}),  # 我的反映; also anonymous and role-less people
    ("web:party-wishes", "Small wishes", {Role.RESIDENT, Role.GRID_WORKER}),  # 微心愿
    ("web:warning-rules", "Warning rules", {Role.DISTRICT_ADMIN, Role.TOWN_LEADER, Role.COMMANDER}),  # 预警规则
    ("web:manage", "Administration", {Role.DISTRICT_ADMIN, Role.TOWN_LEADER}),
]


def sections_for(user) -> list[tuple[str, str]]:
    from django.utils.translation import gettext as _

    if not user.is_authenticated:
        return [(reverse("web:resident"), _("Report a problem")), (reverse("web:resident-mine"), _("My reports"))]
    roles = {g.role for g in user_grants(user)} or {Role.RESIDENT}  # a person without a role is a resident
    out = []
    for name, label, allowed in SECTIONS:
        if allowed == "member":
            if not user.is_superuser and not _is_party_member(user):
                continue
        elif not (user.is_superuser or allowed is None or roles & allowed):
            continue
        try:
            out.append((reverse(name), _(label)))
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


def nav(request) -> dict:
    """Template context processor."""
    sections = sections_for(request.user) if hasattr(request, "user") else []
    return {"nav_sections": sections, "nav_current": current_section(getattr(request, "path", ""), sections)}
