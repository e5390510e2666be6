"""Choices of patrols and visits (巡查走访)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PatrolRuleKind(models.TextChoices):
    """What a patrol rule (巡查规则) asks of a grid."""

    PATROL = "patrol", _("Patrol the grid")  # 巡查网格: at least one patrol every N units
    BUILDING = "building", _("Check in at every building")  # 楼栋打卡: every building every N units
    HOUSEHOLD = "household", _("Visit every household")  # 入户走访: every household every N units


class RuleUnit(models.TextChoices):
    """The period a rule counts in."""

    WORKING_DAY = "working_day", _("working day(s)")  # 工作日
    WEEK = "week", _("week(s)")  # 周
    MONTH = "month", _("month(s)")  # 月


class PatrolStatus(models.TextChoices):
    ONGOING = "ongoing", _("On patrol")  # 巡查中
    ENDED = "ended", _("Ended")  # 已结束


class VisitSubject(models.TextChoices):
    """Whom a visit (走访) was for."""

    HOUSEHOLD = "household", _("Household")  # 住户
    KEY_PERSON = "key_person", _("Key person")  # 重点人员
