"""Choices of the staffing app: the kinds of people a grid has ("1+3+N")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberKind(models.TextChoices):
    """What a person is in a grid. "1+3+N" (网格力量): one grid head (网格长), three kinds of
    grid staff (full-time and part-time workers, the instructor) and N other forces; Chongqing adds
    the micro-grid lead (微网格员). At least one full-time worker per grid (domain.md §1)."""

    GRID_HEAD = "grid_head", _("Grid head")  # 网格长
    FULL_TIME = "full_time", _("Full-time grid worker")  # 专职网格员
    PART_TIME = "part_time", _("Part-time grid worker")  # 兼职网格员
    INSTRUCTOR = "instructor", _("Grid instructor")  # 网格指导员 (usually a town cadre)
    MICRO_LEAD = "micro_lead", _("Micro-grid lead")  # 微网格员
    PARTY_MEMBER = "party_member", _("In-service party member")  # 在职党员
    POLICE = "police", _("Police officer")  # 民警
    PROPERTY = "property", _("Property staff")  # 物业
    VOLUNTEER = "volunteer", _("Volunteer")  # 志愿者
    OTHER = "other", _("Other force")  # 其他力量


class MemberGroup(models.TextChoices):
    """The "1", the "3" and the "N" of "1+3+N" (micro-grid leads stand beside them)."""

    HEAD = "head", _("Grid head")  # 1
    STAFF = "staff", _("Grid staff")  # 3
    MICRO = "micro", _("Micro-grid leads")
    FORCES = "forces", _("Other forces")  # N


KIND_GROUP: dict[str, str] = {
    MemberKind.GRID_HEAD: MemberGroup.HEAD,
    MemberKind.FULL_TIME: MemberGroup.STAFF,
    MemberKind.PART_TIME: MemberGroup.STAFF,
    MemberKind.INSTRUCTOR: MemberGroup.STAFF,
    MemberKind.MICRO_LEAD: MemberGroup.MICRO,
    MemberKind.PARTY_MEMBER: MemberGroup.FORCES,
    MemberKind.POLICE: MemberGroup.FORCES,
    MemberKind.PROPERTY: MemberGroup.FORCES,
    MemberKind.VOLUNTEER: MemberGroup.FORCES,
    MemberKind.OTHER: MemberGroup.FORCES,
}
# The kinds that answer "has this grid a worker?" (the flag): at least one full-time worker.
REQUIRED_KIND = MemberKind.FULL_TIME
