"""Choices of the duty app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlarmSeverity(models.TextChoices):
    """How grave the event that raised the alarm is: an urgent event is 紧急, an emergency 重大."""

    URGENT = "urgent", _("Urgent")  # 紧急
    MAJOR = "major", _("Major")  # 重大


class AlarmState(models.TextChoices):
    OPEN = "open", _("Awaiting response")  # 待响应
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # 已响应
    CANCELLED = "cancelled", _("Cancelled (the event ended)")  # 已撤销（事件已结束）


class AlarmStage(models.IntegerChoices):
    """How far the alarm climbed while nobody acknowledged it (each rung fires once)."""

    RAISED = 0, _("Raised to the duty leader and the commander")  # 已告警值班长、指挥长
    COMMANDER = 1, _("Escalated to the commander")  # 已升级指挥长
    DISTRICT = 2, _("Escalated to the district")  # 已升级区县
