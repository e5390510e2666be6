"""Choices of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiewang.areas.choices import AreaLevel


class BoardKind(models.TextChoices):
    """The four boards (四板块) that group a town's offices and posts (a town's own structure:
    district departments belong to no board)."""

    PARTY_BUILDING = "party_building", _("Party building")  # 党的建设
    ECONOMY = "economy", _("Economic development")  # 经济发展
    LIVELIHOOD = "livelihood", _("Livelihood services")  # 民生服务
    SAFETY = "safety", _("Safety and rule of law")  # 平安法治


class Role(models.TextChoices):
    """What a person does on the node where the role is granted (and everything below it)."""

    GRID_WORKER = "grid_worker", _("Grid worker")  # 网格员
    COMMUNITY_STAFF = "community_staff", _("Community staff")  # 村社工作人员
    TOWN_OPERATOR = "town_operator", _("Command-center operator")  # 指挥中心值班员
    TOWN_LEADER = "town_leader", _("Town leader")  # 镇街领导
    COMMANDER = "commander", _("Commander")  # 指挥长 (the town party secretary)
    DEPUTY_COMMANDER = "deputy_commander", _("Deputy commander")  # 副指挥长
    DUTY_LEADER = "duty_leader", _("Duty leader")  # 值班长
    DEPARTMENT_STAFF = "department_staff", _("Department staff")  # 职能部门工作人员
    POST_STAFF = "post_staff", _("Post staff")  # 岗位工作人员 (names the post held)
    BOARD_LEADER = "board_leader", _("Board leader")  # 分管领导 (names the board led)
    DISTRICT_ADMIN = "district_admin", _("District administrator")  # 区县管理员
    PARTY_STAFF = "party_staff", _("Party-building staff")  # 党建工作人员 (组织委员 of a party organization)
    RESIDENT = "resident", _("Resident")  # 居民


# The area levels on which each role may be granted.
ROLE_LEVELS: dict[str, tuple[int, ...]] = {
    Role.GRID_WORKER: (AreaLevel.GRID, AreaLevel.MICROGRID),
    Role.COMMUNITY_STAFF: (AreaLevel.COMMUNITY,),
    Role.TOWN_OPERATOR: (AreaLevel.TOWN,),
    Role.TOWN_LEADER: (AreaLevel.TOWN,),
    Role.COMMANDER: (AreaLevel.TOWN,),
    Role.DEPUTY_COMMANDER: (AreaLevel.TOWN,),
    Role.DUTY_LEADER: (AreaLevel.TOWN,),
    Role.DEPARTMENT_STAFF: (AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.TOWN),
    Role.POST_STAFF: (AreaLevel.TOWN,),
    Role.BOARD_LEADER: (AreaLevel.TOWN,),
    Role.DISTRICT_ADMIN: (AreaLevel.CITY, AreaLevel.DISTRICT),
    Role.PARTY_STAFF: (AreaLevel.DISTRICT, AreaLevel.TOWN, AreaLevel.COMMUNITY),
    Role.RESIDENT: (AreaLevel.COMMUNITY, AreaLevel.GRID, AreaLevel.MICROGRID),
}
