"""Choices of the base-data app (一标三实)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseUse(models.TextChoices):
    """What a real house (实有房屋) is used for."""

    SELF_OCCUPIED = "self_occupied", _("Self-occupied")  # 自住
    RENTED = "rented", _("Rented")  # 出租
    VACANT = "vacant", _("Vacant")  # 空置
    COMMERCIAL = "commercial", _("Commercial")  # 商用


class Gender(models.TextChoices):
    MALE = "male", _("Male")  # 男
    FEMALE = "female", _("Female")  # 女


class ResidentType(models.TextChoices):
    """The three kinds of real population (实有人口)."""

    REGISTERED = "registered", _("Registered")  # 户籍人口
    FLOATING = "floating", _("Floating")  # 流动人口
    OVERSEAS = "overseas", _("Overseas")  # 境外人员


class Relation(models.TextChoices):
    """A resident's relation to the head of the household (与户主关系)."""

    HEAD = "head", _("Head of household")  # 户主
    SPOUSE = "spouse", _("Spouse")  # 配偶
    CHILD = "child", _("Child")  # 子女
    PARENT = "parent", _("Parent")  # 父母
    GRANDCHILD = "grandchild", _("Grandchild")  # 孙子女
    SIBLING = "sibling", _("Sibling")  # 兄弟姐妹
    TENANT = "tenant", _("Tenant")  # 租户
    OTHER = "other", _("Other")  # 其他


class UnitKind(models.TextChoices):
    """Kinds of real units (实有单位) and shops (商户)."""

    ENTERPRISE = "enterprise", _("Enterprise")  # 企业
    SHOP = "shop", _("Shop")  # 个体商户
    SOCIAL_ORG = "social_org", _("Social organization")  # 社会组织
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")  # 机关事业单位
    SCHOOL = "school", _("School")  # 学校
    MEDICAL = "medical", _("Medical institution")  # 医疗机构
    OTHER = "other", _("Other")  # 其他


class RiskGrade(models.TextChoices):
    """How closely a key person (重点人员) is followed (风险等级)."""

    LOW = "low", _("Low")  # 低 (关注)
    MEDIUM = "medium", _("Medium")  # 中 (帮扶)
    HIGH = "high", _("High")  # 高 (管控)


class ImportMode(models.TextChoices):
    """All-or-nothing (default) or partial: the good rows of a file with bad ones."""

    ALL_OR_NOTHING = "all", _("All or nothing")
    PARTIAL = "partial", _("Import the good rows")
