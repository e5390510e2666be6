"""Choices of the duty admission list (职责事项准入)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListStatus(models.TextChoices):
    """A list version's life: edited as a draft, published (the one in force), superseded."""

    DRAFT = "draft", _("Draft")  # 草稿
    PUBLISHED = "published", _("Published")  # 已发布（现行）
    SUPERSEDED = "superseded", _("Superseded")  # 已废止


class DutyKind(models.TextChoices):
    """What a duty asks of a grid."""

    DATA_COLLECTION = "data_collection", _("Data collection")  # 信息采集
    INSPECTION = "inspection", _("Inspection")  # 排查检查
    PUBLICITY = "publicity", _("Publicity")  # 政策宣传
    SERVICE = "service", _("Service")  # 为民服务
    OTHER = "other", _("Other")  # 其他


class DutyLevel(models.TextChoices):
    """The level a duty is done at: a task citing the item may be pushed to that level only."""

    TOWN = "town", _("Town")  # 镇街
    COMMUNITY = "community", _("Village/community")  # 村社区
    GRID = "grid", _("Grid")  # 网格


class PusherKind(models.TextChoices):
    """In what capacity work is pushed down: a functional department, the town's own offices
    (command center, boards, posts), or the district's center."""

    DEPARTMENT = "department", _("Department")  # 职能部门
    TOWN = "town", _("Town office")  # 镇街科室/指挥中心
    DISTRICT = "district", _("District")  # 区县


class PushStatus(models.TextChoices):
    """A push's state: admitted at once (it cited an admitted item), or held for the town's command
    center, which approves (the task is delivered) or refuses (it never reaches a grid)."""

    ADMITTED = "admitted", _("Admitted")  # 准入
    HELD = "held", _("Held")  # 待审核
    APPROVED = "approved", _("Approved")  # 审核通过
    REFUSED = "refused", _("Refused")  # 不予准入


PASSED = (PushStatus.ADMITTED, PushStatus.APPROVED)


class RecordStatus(models.TextChoices):
    """A data-collection record (one household or person): pre-filled, then confirmed or corrected."""

    PENDING = "pending", _("To confirm")  # 待核实
    CONFIRMED = "confirmed", _("Confirmed")  # 已确认
    CORRECTED = "corrected", _("Corrected")  # 已更正
