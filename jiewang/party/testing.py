"""Party test data on the test tree (``core.testing``): 一街道's working committee, 甲社区's party
committee, a grid branch of 甲社区第1网格 and a school's party organization in 乙社区 joined to the
street; party-building staff of 一街道 and of 甲社区, and of 丙村 on the other side; an in-service
member (a teacher with an account) of the school living in 甲社区, reported in and confirmed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass
class PartyWorld:
    street: object
    community: object
    branch: object
    school: object
    other_community: object
    town_party_staff: object
    party_staff: object  # 甲社区
    other_party_staff: object  # 丙村
    member_user: object
    member: object
    secretary: object  # the school's secretary (a member with an account)
    report_in: object  # the teacher's, confirmed
    service: object  # one confirmed record
    link: object  # the school's co-building link
    seat: object  # the school's secretary's seat
    unit_report_in: object  # the school's, registered
    member2: object  # an in-service member of 甲社区党委, no account, not reported in
    courier: object  # an industry organization in 一街道, not yet co-building
    pending_service: object  # hours the teacher logged, not yet confirmed
    fresh: object  # a registered report-in of another in-service member of 甲社区党委
    evaluation: object  # the teacher's evaluation of last year
    wish_posted: object  # the resident's own, awaiting publication
    wish_published: object  # posted by the grid worker for 王奶奶, published
    wish_claimed: object  # claimed by the teacher
    wish_done: object  # done by the teacher with a photo proof, awaiting 王奶奶's rating (through the grid worker)
    venue: object  # the school's venue resource (children, 200 人次)
    need: object  # 甲社区's open need (四点半课堂, children, 40)
    project: object  # a running project of 甲社区 (楼道照明) using the couriers' volunteers
    meeting: object  # the street's joint conference two weeks ago, the school attending
    followup: object  # its open item, due next month


def _user(name):
    from jiewang.accounts.models import User

    u = User(username=name, display_name=name, phone="13700000000")
    u.set_password("pw-" + name + "-2026")
    u.save()
    return u


def party_world(tree, people) -> PartyWorld:
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant

    from .choices import OfficerRole, OrgKind, ServicePost, UnitSector
    from .services.members import member_create
    from .services.orgs import cobuilding_join, officer_appoint, org_create
    from .services.reportins import report_in_decide, report_in_register, service_log, unit_report_in_register

    def staff(name, area):
        u = _user(name)
        RoleGrant.objects.create(user=u, role=Role.PARTY_STAFF, area=area)
        return u

    town_staff = staff("party_staff_t1", tree.t1)
    c1_staff = staff("party_staff_c1", tree.c1)
    c3_staff = staff("party_staff_c3", tree.c3)
    street = org_create(actor=None, kind=OrgKind.WORKING_COMMITTEE, name="一街道党工委", area=tree.t1,
                        term_started=dt.date(2021, 9, 1))
    community = org_create(actor=None, kind=OrgKind.COMMUNITY_COMMITTEE, name="甲社区党委", area=tree.c1,
                           parent=street, term_started=dt.date(2021, 6, 1))
    branch = org_create(actor=None, kind=OrgKind.GRID_BRANCH, name="甲社区第1网格党支部", area=tree.g1,
                        parent=community, term_started=dt.date(2022, 3, 1))
    other = org_create(actor=None, kind=OrgKind.COMMUNITY_COMMITTEE, name="丙村党委", area=tree.c3,
                       parent=org_create(actor=None, kind=OrgKind.TOWN_COMMITTEE, name="三镇党委", area=tree.t3),
                       term_started=dt.date(2021, 6, 1))
    school = org_create(actor=None, kind=OrgKind.UNIT, name="乙社区实验小学党支部", area=tree.c2,
                        sector=UnitSector.SCHOOL, superior_name="北区教委党委", term_started=dt.date(2023, 5, 1),
                        term_years=3)
    link = cobuilding_join(actor=None, street_org=street, org=school, joined_on=dt.date(2024, 1, 1),
                           offer="操场周末开放；教师志愿辅导")
    sec_user = _user("school_secretary")
    secretary = member_create(actor=None, org=school, name="周书记", phone="13611112222", user=sec_user)
    seat = officer_appoint(actor=None, org=school, member=secretary, role=OfficerRole.SECRETARY,
                           started_on=dt.date(2023, 5, 1))
    member_user = _user("teacher_member")
    member = member_create(actor=None, org=school, name="李老师", phone="13812345678", work_unit="乙社区实验小学",
                           user=member_user)
    report_in = report_in_register(actor=member_user, member=member, community=tree.c1,
                                   service_post=ServicePost.VOLUNTEER, commitments="每月参加一次志愿服务")
    report_in = report_in_decide(actor=c1_staff, report_in=report_in, move="confirm")
    from django.utils import timezone

    from .models import ReportIn
    from .services.reportins import evaluation_make

    # Reported in a year and a half ago: last year's service is evaluated already.
    ago = timezone.now() - dt.timedelta(days=550)
    ReportIn.objects.filter(pk=report_in.pk).update(registered_at=ago, confirmed_at=ago)
    report_in.refresh_from_db()
    service_log(actor=c1_staff, report_in=report_in, served_on=dt.date(timezone.localdate().year - 1, 10, 1),
                hours=Decimal("3"), description="重阳节敬老活动")
    evaluation = evaluation_make(actor=c1_staff, report_in=report_in, year=timezone.localdate().year - 1,
                                 grade="good", comment="积极参加社区活动")
    service = service_log(actor=c1_staff, report_in=report_in, served_on=timezone.localdate(), hours=Decimal("2"),
                          description="社区课后辅导")
    unit_ri = unit_report_in_register(actor=c1_staff, org=school, community=tree.c1, offer="操场周末开放")
    member2 = member_create(actor=None, org=community, name="王工程师", phone="13911112222", work_unit="渝州建工")
    courier = org_create(actor=None, kind=OrgKind.INDUSTRY, name="一街道快递行业党支部", area=tree.t1,
                         sector=UnitSector.COURIER)
    pending = service_log(actor=member_user, report_in=report_in, served_on=timezone.localdate(), hours=Decimal("1.5"),
                          description="楼栋清扫")
    fresh_member = member_create(actor=None, org=community, name="陈会计", phone="13922223333", work_unit="渝州银行")
    fresh = report_in_register(actor=c1_staff, member=fresh_member, community=tree.c1,
                               service_post=ServicePost.PUBLICITY)
    wishes = _wishes(tree, people, c1_staff, member_user)
    lists = _lists(tree, street, school, courier, town_staff, c1_staff)
    return PartyWorld(street, community, branch, school, other, town_staff, c1_staff, c3_staff, member_user,
                      member, secretary, report_in, service, link, seat, unit_ri, member2, courier, pending, fresh,
                      evaluation, *wishes, *lists)


def _lists(tree, street, school, courier, town_staff, c1_staff):
    from django.utils import timezone

    from .services.conference import followup_add, meeting_create
    from .services.lists import need_create, project_create, project_update, resource_create

    venue = resource_create(actor=town_staff, street=tree.t1, title="操场及阅览室周末开放", kind="venue",
                            category="children", capacity=200, provider=school, lon=106.3, lat=29.2)
    crew = resource_create(actor=town_staff, street=tree.t1, title="快递小哥志愿服务队", kind="people",
                           category="environment", capacity=20, provider=courier)
    need = need_create(actor=c1_staff, community=tree.c1, title="四点半课堂缺场地", category="children",
                       source="residents", amount=40)
    lights = need_create(actor=c1_staff, community=tree.c1, title="老旧楼栋楼道照明", category="environment",
                         source="visit", amount=5)
    project = project_create(actor=c1_staff, need=lights, title="楼道点亮行动", owner="甲社区党委",
                             uses=[(crew, 5)], plan="两周内更换30盏楼道灯")
    project = project_update(actor=c1_staff, project=project, move="start")
    today = timezone.localdate()
    meeting = meeting_create(actor=town_staff, street_org=street, title="2026年第四季度联席会议",
                             held_on=today - dt.timedelta(days=14), agenda="共建项目推进", attendees=[school])
    followup = followup_add(actor=town_staff, meeting=meeting, resolution="学校操场周末向社区儿童开放",
                            due_on=today + dt.timedelta(days=30), owner_org=school)
    return venue, need, project, meeting, followup


def _wishes(tree, people, staff, member_user):
    from .services.wishes import wish_claim, wish_complete, wish_post, wish_publish

    posted = wish_post(actor=people.resident, area=tree.g1, title="楼道灯坏了请帮忙修", category="repair")

    def published(title):
        w = wish_post(actor=people.grid_worker, area=tree.g1, title=title, category="escort",
                      requester_name="王奶奶", requester_phone="13500001111")
        return wish_publish(actor=staff, wish=w)

    open_wish = published("陪王奶奶去医院复查")
    claimed = wish_claim(actor=member_user, wish=published("帮王奶奶取药"))
    done = wish_complete(actor=member_user, wish=wish_claim(actor=member_user, wish=published("教王奶奶用手机挂号")),
                         proof="上门教会了预约挂号", hours=Decimal("1.5"), photo=tiny_png())
    return posted, open_wish, claimed, done


def tiny_png() -> bytes:
    """A valid 8×8 PNG (a photo proof)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def party_ids(world: PartyWorld) -> dict:
    """Path parameters for the API fuzz run."""
    return {"org_id": world.community.pk, "member_id": world.member.pk, "report_in_id": world.report_in.pk,
            "unit_report_in_id": world.unit_report_in.pk, "service_id": world.pending_service.pk,
            "seat_id": world.seat.pk, "link_id": world.link.pk,
            "wish_id": world.wish_published.pk, "need_id": world.need.pk, "project_id": world.project.pk,
            "meeting_id": world.meeting.pk, "followup_id": world.followup.pk}
