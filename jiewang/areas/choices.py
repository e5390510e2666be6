"""Choices of the areas app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.IntegerChoices):
    """The administrative level of an area node (行政层级). A child is always exactly one level
    below its parent; the database enforces it with a trigger."""

    CITY = 1, _("City")  # 市
    DISTRICT = 2, _("District/county")  # 区县
    TOWN = 3, _("Town/street")  # 镇街
    COMMUNITY = 4, _("Village/community")  # 村社
    GRID = 5, _("Grid")  # 网格
    MICROGRID = 6, _("Micro-grid")  # 微网格

    @classmethod
    def from_name(cls, name: str) -> "AreaLevel":
        try:
            return cls[name.strip().upper().replace("-", "")]
        except KeyError:
            raise ValueError(
                f"unknown level {name!r}; one of: {', '.join(m.name.lower() for m in cls)}"
            ) from None


class GridType(models.TextChoices):
    """Comprehensive grids (综合网格) cover residential land; dedicated grids (专属网格) cover one
    institution."""

    COMPREHENSIVE = "comprehensive", _("Comprehensive")  # 综合网格
    SCHOOL = "school", _("School")  # 学校
    HOSPITAL = "hospital", _("Hospital")  # 医院
    ENTERPRISE = "enterprise", _("Enterprise")  # 企业
    PARK = "park", _("Park")  # 园区/公园
    ELDERLY_HOME = "elderly_home", _("Elderly home")  # 养老机构
    OFFICE_BUILDING = "office_building", _("Office building")  # 商务楼宇
    MARKET = "market", _("Market")  # 商圈市场
    OTHER_DEDICATED = "other_dedicated", _("Other dedicated")  # 其他专属


GRID_LEVELS = (AreaLevel.GRID, AreaLevel.MICROGRID)
