from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    CLUSTER = "cluster", _("Cluster in a grid")  # 网格内聚集
    HOTSPOT = "hotspot", _("Hot spot across neighbouring grids")  # 相邻网格热点
    REPEAT = "repeat", _("Repeated reports at one place")  # 重复投诉
    TREND = "trend", _("Overdue rate rising")  # 超期率上升
    KEYWORD = "keyword", _("Keywords in event text")  # 敏感词
    SENSOR = "sensor", _("Sensor reading over a threshold")  # 感知设备超限


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")  # 待处置
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # 已确认
    CONVERTED = "converted", _("Converted")  # 已转办
    DISMISSED = "dismissed", _("Dismissed")  # 已忽略


class ReadingKind(models.TextChoices):
    WATER_LEVEL = "water_level", _("Water level")  # 水位
    SMOKE = "smoke", _("Smoke")  # 烟感
    GAS = "gas", _("Gas")  # 燃气
    TEMPERATURE = "temperature", _("Temperature")  # 温度


class ConvertTo(models.TextChoices):
    EVENT = "event", _("An event")  # 转事件
    SUPERVISION = "supervision", _("A supervision task")  # 催办
