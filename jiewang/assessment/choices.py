"""Choices of the assessment (考核)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Population(models.TextChoices):
    """Who an indicator assesses."""

    DEPARTMENT = "department", _("Departments")  # 职能部门
    BOARD = "board", _("Boards")  # 板块
    POST = "post", _("Posts")  # 岗位
    TOWN = "town", _("Towns")  # 镇街
    COMMUNITY = "community", _("Villages/communities")  # 村社
    GRID = "grid", _("Grids")  # 网格
    GRID_WORKER = "grid_worker", _("Grid workers")  # 网格员


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class RunStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("assessment run", "Draft")  # 草稿
    PUBLISHED = "published", pgettext_lazy("assessment run", "Published")  # 已发布
    SUPERSEDED = "superseded", pgettext_lazy("assessment run", "Superseded")  # 已被新版本取代


class ExclusionKind(models.TextChoices):
    EXTENSION = "extension", _("Approved extension")  # 已批准延期
    FORCE_MAJEURE = "force_majeure", _("Force majeure")  # 不可抗力
    INVALID = "invalid", _("Invalid or unreasonable request")  # 无效/不合理诉求
    OTHER = "other", _("Other")


class ExclusionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")  # 待审批
    APPROVED = "approved", _("Approved")  # 已批准（不计入考核）
    REFUSED = "refused", _("Refused")  # 不予批准


class ListKind(models.TextChoices):
    RED = "red", _("Red list")  # 红榜
    BLACK = "black", _("Black list")  # 黑榜


# Populations assessed by a town's run and by a district's run.
TOWN_POPULATIONS = (Population.DEPARTMENT, Population.BOARD, Population.POST, Population.COMMUNITY, Population.GRID,
                    Population.GRID_WORKER)
DISTRICT_POPULATIONS = (Population.TOWN, Population.DEPARTMENT)


# The composite scores (Indicator.scheme) by name: what the pages show instead of the code.
SCHEME_LABELS = {
    "general": _("Overall"),  # 综合
    "hotline": _("12345 hotline (three rates)"),  # 12345 三率
    "whistle": _("Whistle report-ins"),  # 吹哨报到
    "grid": _("Grid work"),  # 网格工作
    "satisfaction": _("Satisfaction"),  # 满意度
}


def scheme_label(scheme: str) -> str:
    return str(SCHEME_LABELS.get(scheme, scheme))
