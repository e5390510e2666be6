"""Choices of the supervision log (督导)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionKind(models.TextChoices):
    """The three rungs of the command center's supervision power (督导权)."""

    REMIND = "remind", _("Reminder")  # 催办
    SUPERVISE = "supervise", _("Supervision")  # 督办
    ESCALATE = "escalate", _("Escalation")  # 升级


class SupervisionSource(models.TextChoices):
    LADDER = "ladder", _("Automatic (overdue ladder)")  # 超期自动
    MANUAL = "manual", _("Issued by hand")  # 人工


class SupervisionOutcome(models.TextChoices):
    OPEN = "open", _("Awaiting a reply")  # 待回复
    ON_TIME = "on_time", _("Answered in time")  # 按时回复
    LATE = "late", _("Answered late")  # 逾期回复
    WITHDRAWN = "withdrawn", _("Withdrawn: the event's work ended")  # 事件已结束


class TargetKind(models.TextChoices):
    """Who an entry is addressed to: a handler (承办方) of ``jiewang.dispatching.handlers``."""

    DEPARTMENT = "department", _("Department")
    POST = "post", _("Post")
    AREA = "area", _("Area")
