"""Choices of the party app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiewang.areas.choices import AreaLevel


class OrgKind(models.TextChoices):
    """The kinds of party organization (党组织). The first five make the chain that leads the area
    tree (街道党工委 → 社区党委 → 网格党支部 → 楼栋党小组); unit and industry organizations sit outside
    it and join a street as co-building units (共建单位)."""

    WORKING_COMMITTEE = "working_committee", _("Street party working committee")  # 街道党工委
    TOWN_COMMITTEE = "town_committee", _("Town party committee")  # 镇党委
    COMMUNITY_COMMITTEE = "community_committee", _("Community party committee")  # 社区(村)党委
    GENERAL_BRANCH = "general_branch", _("General party branch")  # 党总支
    GRID_BRANCH = "grid_branch", _("Grid party branch")  # 网格党支部
    BUILDING_GROUP = "building_group", _("Building party group")  # 楼栋党小组
    UNIT = "unit", _("Unit party organization")  # 单位党组织 (enterprise, school, hospital, agency)
    INDUSTRY = "industry", _("Industry party organization")  # 行业党组织 (couriers, property, drivers)


# The area level each kind of the chain leads (unit and industry organizations lead no area: the
# area they name is where they sit).
ORG_LEVELS: dict[str, tuple[int, ...]] = {
    OrgKind.WORKING_COMMITTEE: (AreaLevel.TOWN,),
    OrgKind.TOWN_COMMITTEE: (AreaLevel.TOWN,),
    OrgKind.COMMUNITY_COMMITTEE: (AreaLevel.COMMUNITY,),
    OrgKind.GENERAL_BRANCH: (AreaLevel.COMMUNITY,),
    OrgKind.GRID_BRANCH: (AreaLevel.GRID,),
    OrgKind.BUILDING_GROUP: (AreaLevel.GRID, AreaLevel.MICROGRID),
    OrgKind.UNIT: (AreaLevel.TOWN, AreaLevel.COMMUNITY, AreaLevel.GRID),
    OrgKind.INDUSTRY: (AreaLevel.TOWN, AreaLevel.COMMUNITY),
}
# Which kinds may be the parent of which (the chain). Unit and industry organizations have a parent
# outside the street (their own superior), recorded as text, not as a row here.
PARENT_KINDS: dict[str, tuple[str, ...]] = {
    OrgKind.WORKING_COMMITTEE: (),
    OrgKind.TOWN_COMMITTEE: (),
    OrgKind.COMMUNITY_COMMITTEE: (OrgKind.WORKING_COMMITTEE, OrgKind.TOWN_COMMITTEE),
    OrgKind.GENERAL_BRANCH: (OrgKind.WORKING_COMMITTEE, OrgKind.TOWN_COMMITTEE),
    OrgKind.GRID_BRANCH: (OrgKind.COMMUNITY_COMMITTEE, OrgKind.GENERAL_BRANCH),
    OrgKind.BUILDING_GROUP: (OrgKind.GRID_BRANCH,),
    OrgKind.UNIT: (),
    OrgKind.INDUSTRY: (),
}
CO_BUILDING_KINDS = (OrgKind.UNIT, OrgKind.INDUSTRY)
STREET_KINDS = (OrgKind.WORKING_COMMITTEE, OrgKind.TOWN_COMMITTEE)


class UnitSector(models.TextChoices):
    """What a unit or industry party organization belongs to."""

    ENTERPRISE = "enterprise", _("Enterprise")  # 企业
    SCHOOL = "school", _("School")  # 学校
    HOSPITAL = "hospital", _("Hospital")  # 医院
    AGENCY = "agency", _("Government body")  # 机关
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")  # 事业单位
    SOCIAL_ORG = "social_org", _("Social organization")  # 社会组织
    COURIER = "courier", _("Couriers and delivery")  # 快递外卖
    PROPERTY = "property", _("Property management")  # 物业
    RIDE_HAILING = "ride_hailing", _("Ride-hailing drivers")  # 网约车
    OTHER = "other", _("Other")  # 其他


class OfficerRole(models.TextChoices):
    """A seat on an organization's committee (班子成员)."""

    SECRETARY = "secretary", _("Secretary")  # 书记
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")  # 副书记
    MEMBER = "member", _("Committee member")  # 委员
    PART_TIME_MEMBER = "part_time_member", _("Part-time committee member")  # 兼职委员 (社区大党委)


class MemberStatus(models.TextChoices):
    FULL = "full", _("Full member")  # 正式党员
    PROBATIONARY = "probationary", _("Probationary member")  # 预备党员


class MemberKind(models.TextChoices):
    """Where a member stands in life: in-service members report in where they live (双报到)."""

    IN_SERVICE = "in_service", _("In service")  # 在职党员
    RETIRED = "retired", _("Retired")  # 离退休党员
    FLOWING = "flowing", _("Flowing")  # 流动党员
    STUDENT = "student", _("Student")  # 学生党员
    OTHER = "other", _("Other")  # 其他


class ReportInStatus(models.TextChoices):
    """A report-in's life: registered by the member (or unit), confirmed or rejected by the
    community, ended when the member moves or leaves."""

    REGISTERED = "registered", _("Awaiting confirmation")  # 待确认
    CONFIRMED = "confirmed", _("Confirmed")  # 已报到
    REJECTED = "rejected", _("Rejected")  # 已退回
    ENDED = "ended", _("Ended")  # 已结束


OPEN_REPORT_IN = (ReportInStatus.REGISTERED, ReportInStatus.CONFIRMED)


class ServicePost(models.TextChoices):
    """The service post a reported-in member chooses (认岗)."""

    MICROGRID_LEAD = "microgrid_lead", _("Micro-grid lead")  # 微网格员
    VOLUNTEER = "volunteer", _("Volunteer")  # 志愿者
    MEDIATOR = "mediator", _("Dispute mediator")  # 调解员
    PUBLICITY = "publicity", _("Policy publicity")  # 政策宣传员
    PATROL = "patrol", _("Safety patrol")  # 平安巡防
    ELDERLY_CARE = "elderly_care", _("Elderly care")  # 关爱帮扶
    OTHER = "other", _("Other")  # 其他


class EvaluationGrade(models.TextChoices):
    """The community's yearly evaluation of a reported-in member (年度评价)."""

    EXCELLENT = "excellent", _("Excellent")  # 优秀
    GOOD = "good", _("Competent")  # 合格
    FAIR = "fair", _("Basically competent")  # 基本合格
    POOR = "poor", _("Not competent")  # 不合格


class WishCategory(models.TextChoices):
    """What a small wish (微心愿) or service request asks for."""

    ESCORT = "escort", _("Escort and rides")  # 出行陪护 (e.g. a ride to hospital)
    REPAIR = "repair", _("Small repairs")  # 小修小补
    TUTORING = "tutoring", _("Tutoring")  # 学业辅导
    CARE = "care", _("Daily care")  # 生活照料
    ERRANDS = "errands", _("Errands")  # 代购代办
    ITEMS = "items", _("Goods")  # 物品心愿
    OTHER = "other", _("Other")  # 其他


class WishStatus(models.TextChoices):
    """点单 → 派单 → 接单 → 评单: posted by a resident or grid worker, published by the community or
    grid party branch, claimed by a reported-in member or co-building unit, done with proof, rated by
    the requester. Refused (not suitable) or withdrawn (by the requester) end it early."""

    POSTED = "posted", _("Awaiting publication")  # 待发布
    PUBLISHED = "published", _("Open for claiming")  # 待认领
    CLAIMED = "claimed", _("Claimed")  # 已认领
    DONE = "done", _("Done, awaiting rating")  # 待评价
    RATED = "rated", _("Rated")  # 已评价
    REFUSED = "refused", _("Not taken up")  # 未受理
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已撤回


class NeedCategory(models.TextChoices):
    """What a need or a resource is about: needs are matched to resources of the same category."""

    ELDERLY = "elderly", _("Elderly care")  # 为老服务
    CHILDREN = "children", _("Children and youth")  # 青少年服务
    EMPLOYMENT = "employment", _("Jobs and skills")  # 就业技能
    ENVIRONMENT = "environment", _("Living environment")  # 人居环境
    CULTURE = "culture", _("Culture and learning")  # 文化教育
    HEALTH = "health", _("Health")  # 医疗健康
    SAFETY = "safety", _("Safety")  # 平安建设
    OTHER = "other", _("Other")  # 其他


class NeedSource(models.TextChoices):
    RESIDENTS = "residents", _("Residents")  # 居民
    COMMUNITY = "community", _("Community")  # 社区
    VISIT = "visit", _("Grid visit")  # 网格走访
    EVENT = "event", _("Event")  # 事件
    ENTERPRISE = "enterprise", _("Enterprise")  # 企业


class NeedStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("party need", "Open")  # 待对接
    MATCHED = "matched", _("Matched")  # 已对接 (a project runs)
    MET = "met", pgettext_lazy("party need", "Met")  # 已满足
    CLOSED = "closed", _("Closed unmet")  # 已关闭


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("Venue")  # 场地
    PEOPLE = "people", _("People")  # 人员
    FUNDS = "funds", _("Funds")  # 资金
    SERVICE = "service", _("Service")  # 服务


class ProjectStatus(models.TextChoices):
    """A project of the project list: planned → running → done (with its result) → evaluated by residents."""

    PLANNED = "planned", _("Planned")  # 已立项
    RUNNING = "running", pgettext_lazy("party project", "Running")  # 实施中
    DONE = "done", pgettext_lazy("party project", "Done")  # 已完成
    EVALUATED = "evaluated", _("Evaluated")  # 已评价


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("party follow-up", "Open")  # 推进中
    DONE = "done", pgettext_lazy("party follow-up", "Done")  # 已办结
