"""Choices of the events app. Statuses are readable strings with a label and a colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    """Where an event stands in the closed loop. Only ``event_transition`` changes it."""

    REPORTED = "reported", _("Reported")  # 已上报：待受理
    ACCEPTED = "accepted", _("Accepted")  # 已立案：待派遣/处置
    VOIDED = "voided", _("Voided")  # 已作废
    DISPATCHED = "dispatched", _("Dispatched")  # 已派遣：待签收
    HANDLING = "handling", _("Handling")  # 处置中
    SHELVED = "shelved", _("Shelved")  # 挂账
    FEEDBACK = "feedback", _("Awaiting verification")  # 已反馈：待核查
    CLOSED = "closed", _("Closed")  # 已结案：待回访
    RATED = "rated", _("Rated")  # 已评价（归档）

    @classmethod
    def colour(cls, value: str) -> str:
        return STATUS_COLOURS[value]

    @classmethod
    def open_values(cls) -> list[str]:
        return [s for s in cls.values if s not in (cls.VOIDED, cls.RATED)]


STATUS_COLOURS = {
    EventStatus.REPORTED: "#6b7280",
    EventStatus.ACCEPTED: "#2563eb",
    EventStatus.VOIDED: "#9ca3af",
    EventStatus.DISPATCHED: "#7c3aed",
    EventStatus.HANDLING: "#d97706",
    EventStatus.SHELVED: "#92400e",
    EventStatus.FEEDBACK: "#0891b2",
    EventStatus.CLOSED: "#16a34a",
    EventStatus.RATED: "#15803d",
}


class HandlingLevel(models.TextChoices):
    """The level of the three-level system that holds the event now."""

    GRID = "grid", _("Grid")  # 网格
    COMMUNITY = "community", _("Village/community")  # 村社
    TOWN = "town", _("Town command center")  # 镇街指挥中心
    DEPARTMENT = "department", _("Department")  # 职能部门
    DISTRICT = "district", _("District")  # 区县


class EventChannel(models.TextChoices):
    PATROL = "patrol", _("Grid worker patrol")  # 网格员巡查上报
    RESIDENT_WEB = "resident_web", _("Resident (web)")  # 居民网上报
    OPEN311 = "open311", _("Open311 client")  # Open311 接口
    HOTLINE = "hotline", _("12345 hotline")  # 12345 热线工单
    SENSOR = "sensor", _("Sensor or system alert")  # 感知设备/系统告警
    DISTRICT = "district", _("Assigned by the district")  # 区县交办
    CENTER = "center", _("Town command center")  # 镇街指挥中心交办 (a task sent down)


class LocationStatus(models.TextChoices):
    """Whether the event has a point on the map, and how it got it. Every channel reports a point,
    except an Open311 client whose API key is bound to a town (地址上报): its request may name an
    address only and waits, unplaced, for the town's command center to place it on the map."""

    LOCATED = "located", _("Located by the reporter")  # 上报定位
    UNPLACED = "unplaced", _("To be placed")  # 待定位
    PLACED = "placed", _("Placed by an operator")  # 人工定位


class EventSource(models.TextChoices):
    """Complaints are counted apart from problems found proactively (未诉先办), and both apart
    from work the town sent down to a village/community or grid (交办): a grid's own reports are
    never mixed with tasks it was given."""

    COMPLAINT = "complaint", _("Complaint")  # 诉求
    PROACTIVE = "proactive", _("Proactive discovery")  # 未诉先办/主动发现
    SENT_DOWN = "sent_down", _("Sent down")  # 交办


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")  # 一般
    URGENT = "urgent", _("Urgent")  # 紧急
    EMERGENCY = "emergency", _("Emergency")  # 特急


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Report")  # 上报照片
    BEFORE = "before", _("Before")  # 处置前
    AFTER = "after", _("After")  # 处置后
    FEEDBACK = "feedback", _("Feedback")  # 反馈
    VERIFY = "verify", _("Verification")  # 核查


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASICALLY = "basically", _("Basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意
