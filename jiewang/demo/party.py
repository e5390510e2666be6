"""The demo town's party building (党建): the street's working committee, a party committee for each
community and a branch for each grid, unit and industry organizations joined as co-building units,
members (about 7 % of the population, as in China), a year of report-ins with service hours and
last year's evaluations, a year of small wishes in every state, the three lists and the joint
conference. Written through the party services (audit rows, encryption, checks), then moved back in
time where the story needs a past (``_backdate``). The demo logins: ``commander`` is the street's
party secretary, ``party_staff`` works in the street's party office, ``party_member`` is an
in-service teacher reported in to the demo community, with wishes to claim."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area

from .names import GIVEN, SURNAMES

MEMBER_SHARE = 0.07  # party members per resident (about 99 M of 1.41 G)
MAX_MEMBERS_PER_COMMUNITY = 180  # keeps the small demo quick to seed


def _grant_area(username: str, role: str) -> Area | None:
    g = RoleGrant.objects.select_related("area").filter(user__username=username, role=role).first()
    return g.area if g else None


def seed_party(*, seed: int = 1, now: dt.datetime | None = None) -> dict[str, int]:
    """Seed the demo town's party data (nothing when the demo logins are missing). Returns counts."""
    town = _grant_area("commander", Role.COMMANDER)
    community = _grant_area("community_staff", Role.COMMUNITY_STAFF)
    if town is None or community is None:
        return {}
    with transaction.atomic():
        return _seed(town, community, random.Random(seed), now or timezone.now())


def _seed(town: Area, home: Area, rnd: random.Random, now: dt.datetime) -> dict[str, int]:
    from jiewang.party.choices import OfficerRole, OrgKind, ServicePost, UnitSector
    from jiewang.party.models import PartyOrg, ReportIn, ServiceRecord
    from jiewang.party.services.elections import elections_sweep
    from jiewang.party.services.members import member_create
    from jiewang.party.services.orgs import cobuilding_join, officer_appoint, org_create
    from jiewang.party.services.reportins import evaluation_make, report_in_decide, report_in_register

    today = timezone.localdate(now)
    staff = User.objects.filter(username="party_staff").first()
    street = org_create(actor=None, kind=OrgKind.WORKING_COMMITTEE, name=f"{town.name}党工委", area=town,
                        term_started=today.replace(year=today.year - 3) - dt.timedelta(days=70))
    communities = list(Area.objects.filter(parent=town, level=AreaLevel.COMMUNITY).order_by("code"))
    committees, branches = {}, {}
    for i, c in enumerate(communities):
        # Elected mid-2021: their five-year terms ran out this year; two were re-elected, the rest are
        # due soon or overdue (the reminders show on the first sweep).
        started = dt.date(2021, 6 + i % 6, 1) if i % 3 else dt.date(2026, 5, 20)
        committees[c.pk] = org_create(actor=None, kind=OrgKind.COMMUNITY_COMMITTEE, name=f"{c.name}党委", area=c,
                                      parent=street, term_started=started)
        for g in Area.objects.filter(parent=c, level=AreaLevel.GRID).order_by("code"):
            branches[g.pk] = org_create(actor=None, kind=OrgKind.GRID_BRANCH, name=f"{g.name}党支部", area=g,
                                        parent=committees[c.pk], term_started=dt.date(2024, 3, 1))
    units = []
    for name, sector in (("实验小学党支部", UnitSector.SCHOOL), ("人民医院分院党支部", UnitSector.HOSPITAL),
                         ("渝州建工第三分公司党支部", UnitSector.ENTERPRISE),
                         ("税务所党支部", UnitSector.AGENCY)):
        where = communities[len(units) % len(communities)]
        place = where.name.removesuffix("社区").removesuffix("村")
        org = org_create(actor=None, kind=OrgKind.UNIT, name=name if name.startswith("渝州") else f"{place}{name}",
                         area=where, sector=sector,
                         superior_name="区直机关工委" if sector == UnitSector.AGENCY else "区委教育工委"
                         if sector == UnitSector.SCHOOL else "区卫健委党委" if sector == UnitSector.HOSPITAL
                         else "区国资委党委", term_started=dt.date(2023, 9, 1), term_years=3)
        units.append(org)
    for name, sector in (("快递物流行业党支部", UnitSector.COURIER), ("物业服务行业党委", UnitSector.PROPERTY)):
        units.append(org_create(actor=None, kind=OrgKind.INDUSTRY, name=f"{town.name}{name}", area=town,
                                sector=sector, term_started=dt.date(2024, 1, 1)))
    offers = ["场地周末向社区开放", "党员志愿者每月服务", "义诊和健康讲座", "技能培训岗位",
              "快递员兼任网格信息员", "物业维修志愿服务"]
    for org, offer in zip(units, offers, strict=True):
        cobuilding_join(actor=None, street_org=street, org=org, joined_on=dt.date(2024, 1, 10), offer=offer)

    # Members: retirees and others in the community committees, in-service members in the units.
    counts = {"party organizations": PartyOrg.objects.filter(area__path__startswith=town.path).count()}
    members, in_service = 0, []
    for c in communities:
        n = min(MAX_MEMBERS_PER_COMMUNITY, max(8, round(_population(c) * MEMBER_SHARE)))
        for k in range(n):
            if k % 2:
                unit = units[rnd.randrange(len(units))]
                m = member_create(actor=None, org=unit, name=person_name(rnd), phone=_phone(rnd),
                                  work_unit=unit.name.removesuffix("党支部").removesuffix("党委"),
                                  joined_party_on=dt.date(rnd.randint(1990, 2022), rnd.randint(1, 12), 1),
                                  home_community=c)
                in_service.append((m, c))
            else:
                member_create(actor=None, org=committees[c.pk], name=person_name(rnd), phone=_phone(rnd),
                              kind="retired" if k % 4 == 0 else "other", home_community=c,
                              joined_party_on=dt.date(rnd.randint(1965, 2015), rnd.randint(1, 12), 1))
            members += 1
    counts["party members"] = members

    # Officers: the commander is the street's secretary (one person, two roles); each committee a secretary.
    commander = User.objects.filter(username="commander").first()
    if commander is not None:
        sec = member_create(actor=None, org=street, name=commander.display_name or "指挥长", user=commander)
        officer_appoint(actor=None, org=street, member=sec, role=OfficerRole.SECRETARY, started_on=street.term_started)
    for c in communities:
        sec = member_create(actor=None, org=committees[c.pk], name=person_name(rnd), phone=_phone(rnd))
        officer_appoint(actor=None, org=committees[c.pk], member=sec, role=OfficerRole.SECRETARY,
                        started_on=committees[c.pk].term_started)
    for unit in units:
        sec = member_create(actor=None, org=unit, name=person_name(rnd), phone=_phone(rnd))
        officer_appoint(actor=None, org=unit, member=sec, role=OfficerRole.SECRETARY, started_on=unit.term_started)

    # Two in-service members changed jobs this year: their membership moved to another unit (组织关系转接).
    from jiewang.party.services.transfers import member_transfer

    movers = [m for m, _c in in_service if m.org_id != units[-1].pk][:2]
    for m in movers:
        member_transfer(actor=None, member=m, to_org=units[-1], reason="工作调动",
                        transferred_on=(now - dt.timedelta(days=rnd.randint(20, 90))).date())
    counts["member transfers"] = len(movers)

    # The demo member: a teacher of the first unit (a school), living in the demo community.
    member_user = User.objects.filter(username="party_member").first()
    if member_user is not None:
        teacher = member_create(actor=None, org=units[0], name=member_user.display_name or "李老师", phone="13800000001",
                                work_unit=units[0].name.removesuffix("党支部"), user=member_user, home_community=home)
        in_service.insert(0, (teacher, home))

    # A year of report-ins (60 % of in-service members), confirmed within days; hours each month.
    posts = ServicePost.values
    report_ins, records = [], []
    for i, (m, c) in enumerate(in_service):
        if i and rnd.random() > 0.6:
            continue
        ri = report_in_register(actor=m.user, member=m, community=c, service_post=posts[rnd.randrange(len(posts))],
                                commitments="每月参加一次社区志愿服务")
        registered = now - dt.timedelta(days=rnd.randint(200, 700) if i else 400)
        if i and rnd.random() < 0.08:
            _backdate(ReportIn, ri.pk, registered_at=now - dt.timedelta(days=rnd.randint(0, 6)))
            continue  # waiting for the community's confirmation
        ri = report_in_decide(actor=staff, report_in=ri, move="confirm")
        confirmed = registered + dt.timedelta(days=rnd.randint(1, 5))
        _backdate(ReportIn, ri.pk, registered_at=registered, confirmed_at=confirmed)
        ri.refresh_from_db()
        report_ins.append(ri)
        day = confirmed.date() + dt.timedelta(days=rnd.randint(3, 30))
        while day < today:
            records.append(ServiceRecord(
                report_in=ri, area_path=ri.area_path, served_on=day, hours=Decimal(rnd.choice(["1", "1.5", "2", "3"])),
                description=rnd.choice(["社区环境整治", "楼栋走访", "政策宣传", "关爱独居老人", "文明劝导", "防汛值守"]),
                recorded_by=staff, recorded_at=timezone.make_aware(dt.datetime.combine(day, dt.time(18))),
                confirmed_at=timezone.make_aware(dt.datetime.combine(day, dt.time(18))), confirmed_by=staff))
            day += dt.timedelta(days=rnd.randint(20, 45))
    ServiceRecord.objects.bulk_create(records, batch_size=1000)
    counts["report-ins"], counts["service records"] = len(report_ins), len(records)
    evaluated = 0
    for ri in report_ins:
        if timezone.localdate(ri.confirmed_at).year < today.year:
            evaluation_make(actor=staff, report_in=ri, year=today.year - 1,
                            grade=rnd.choice(["excellent", "good", "good", "good", "fair"]), comment="服务积极，群众认可")
            evaluated += 1
    counts["yearly evaluations"] = evaluated
    counts.update(_wishes(home, report_ins, rnd, now, staff))
    counts.update(_lists_and_conference(town, street, home, units, rnd, now, staff))
    elections_sweep(now)
    return counts


def _population(area: Area) -> int:
    from django.db.models import Sum

    return Area.objects.filter(path__startswith=area.path, level=AreaLevel.GRID).aggregate(
        n=Sum("population"))["n"] or 0


def person_name(rnd: random.Random) -> str:
    given = rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")
    return rnd.choice(SURNAMES) + given


def _phone(rnd: random.Random) -> str:
    return f"1{rnd.choice('3589')}{rnd.randint(0, 999_999_999):09d}"


def _backdate(model, pk: int, **fields) -> None:
    """Move a row's timestamps into the past (the story of a year, written today)."""
    model.objects.filter(pk=pk).update(**fields)


WISHES = [("陪同去医院复查", "escort"), ("楼道灯不亮请帮忙换", "repair"), ("孩子数学作业辅导", "tutoring"),
          ("帮忙代买降压药", "errands"), ("教我用手机挂号", "tutoring"), ("修理漏水的水龙头", "repair"),
          ("想要一台旧轮椅", "items"), ("周末帮忙打扫卫生", "care"), ("陪老人聊天", "care"), ("代缴水电费", "errands")]


def _wishes(home: Area, report_ins, rnd: random.Random, now: dt.datetime, staff) -> dict[str, int]:
    """A year of small wishes in the demo community: most rated, some under way, a few waiting."""
    from jiewang.party.models import ServiceRecord, Wish
    from jiewang.party.services.wishes import (wish_claim, wish_complete, wish_post, wish_publish, wish_rate,
                                               wish_refuse)

    resident = User.objects.filter(username="resident").first()
    grid_worker = User.objects.filter(username="grid_worker").first()
    grid = RoleGrant.objects.filter(user=grid_worker, role=Role.GRID_WORKER).first() if grid_worker else None
    claimers = [ri for ri in report_ins if ri.community_id == home.pk and ri.member.user_id]
    if grid is None or not claimers:
        return {}
    n = 0
    for i in range(60):
        title, category = WISHES[i % len(WISHES)]
        posted_at = now - dt.timedelta(days=360 - i * 6, hours=rnd.randint(0, 8))
        by_resident = resident is not None and i % 5 == 0
        wish = wish_post(actor=resident if by_resident else grid_worker, area=grid.area, title=title,
                         category=category, requester_name="" if by_resident else person_name(rnd),
                         requester_phone="" if by_resident else _phone(rnd))
        stamps = {"posted_at": posted_at}
        if i == 7:
            wish_refuse(actor=staff, wish=wish, reason="属于物业维修范围，已转物业公司")
            stamps["closed_at"] = posted_at + dt.timedelta(hours=5)
        elif i < 57:
            wish = wish_publish(actor=staff, wish=wish)
            stamps["published_at"] = posted_at + dt.timedelta(hours=3)
            if i < 54:
                ri = claimers[i % len(claimers)]
                wish = wish_claim(actor=ri.member.user, wish=wish)
                stamps["claimed_at"] = posted_at + dt.timedelta(hours=rnd.randint(5, 30))
                if i < 52:
                    wish = wish_complete(actor=ri.member.user, wish=wish, proof="已上门办理完毕",
                                         hours=Decimal(rnd.choice(["1", "1.5", "2"])))
                    stamps["done_at"] = posted_at + dt.timedelta(days=rnd.randint(2, 4))
                    if i < 50:
                        wish = wish_rate(actor=wish.posted_by, wish=wish, rating=rnd.choice([5, 5, 5, 4, 4, 3]),
                                         comment="党员同志很热心")
                        stamps["rated_at"] = stamps["done_at"] + dt.timedelta(hours=6)
                        # the hours the rating confirmed were served on the day the wish was done
                        ServiceRecord.objects.filter(pk=ServiceRecord.objects.filter(
                            source="wish", report_in__member=ri.member).order_by("-id").values("pk")[:1]).update(
                            served_on=timezone.localdate(stamps["done_at"]), recorded_at=stamps["rated_at"],
                            confirmed_at=stamps["rated_at"])
        Wish.objects.filter(pk=wish.pk).update(**stamps)
        n += 1
    return {"small wishes": n}


def _lists_and_conference(town, street, home, units, rnd, now, staff) -> dict[str, int]:
    from jiewang.party.models import Need
    from jiewang.party.services.conference import followup_add, followup_done, meeting_create
    from jiewang.party.services.lists import need_create, project_create, project_update, resource_create

    today = timezone.localdate(now)
    specs = [("四点半课堂场地", "venue", "children", 200, "人次"), ("党员志愿服务队", "people", "elderly", 40, "人次"),
             ("义诊与健康讲座", "service", "health", 24, "场"), ("职业技能培训", "service", "employment", 60, "人"),
             ("快递员网格信息员", "people", "safety", 30, "人"), ("楼道照明维修", "service", "environment", 300, "盏")]
    resources = [resource_create(actor=None, street=town, title=t, kind=k, category=c, capacity=cap, unit=unit,
                                 provider=org) for (t, k, c, cap, unit), org in zip(specs, units, strict=True)]
    needs_spec = [("放学后孩子无人看管", "children", "residents", 40), ("独居老人助餐助洁", "elderly", "visit", 20),
                  ("老年人慢病随访", "health", "community", 6), ("失业人员技能提升", "employment", "community", 15),
                  ("背街小巷治安巡防", "safety", "event", 10), ("老旧楼栋照明", "environment", "visit", 120),
                  ("社区文化活动场地", "culture", "residents", 1)]
    needs = []
    for k, (title, cat, source, amount) in enumerate(needs_spec):
        n = need_create(actor=None, community=home, title=title, category=cat, source=source, amount=amount)
        Need.objects.filter(pk=n.pk).update(created_at=now - dt.timedelta(days=200 - k * 25))
        n.refresh_from_db()
        needs.append(n)
    for k, need in enumerate(needs[:5]):
        res = next(r for r in resources if r.category == need.category)
        p = project_create(actor=staff, need=need, title=f"{need.title}项目", owner=res.provider_name,
                           uses=[(res, need.amount)], plan="按季度推进，社区党委督促落实")
        if k < 4:
            p = project_update(actor=staff, project=p, move="start")
        if k < 3:
            p = project_update(actor=staff, project=p, move="complete", result="已完成，群众受益")
            Need.objects.filter(pk=need.pk).update(matched_at=need.created_at + dt.timedelta(days=5),
                                                   met_at=need.created_at + dt.timedelta(days=20 + 10 * k))
        if k < 2:
            project_update(actor=staff, project=p, move="evaluate", rating=5, evaluation="群众满意")
    meetings = 0
    for q in range(4):
        held = today - dt.timedelta(days=30 + 90 * q)
        m = meeting_create(actor=None, street_org=street, title=f"区域化党建联席会议（第{4 - q}次）", held_on=held,
                           agenda="共建项目推进；需求清单对接", attendees=units)
        item = followup_add(actor=None, meeting=m, resolution="共建单位认领需求清单事项", owner_org=units[q % len(units)],
                            due_on=held + dt.timedelta(days=20))
        if q:
            followup_done(actor=staff, item=item, result="已按期认领并实施")
        meetings += 1
    return {"needs": len(needs), "resources": len(resources), "joint conference meetings": meetings}


def delete_party_demo() -> None:
    """Every party row (a --force reseed: the demo's party data is all there is), children first."""
    from jiewang.party import models as m

    for model in (m.FollowUp, m.Meeting.attendees.through, m.Meeting, m.ProjectResource, m.Project, m.Resource,
                  m.Need, m.Wish, m.YearlyEvaluation, m.ServiceRecord, m.UnitReportIn, m.ReportIn, m.Officer,
                  m.CoBuilding, m.MemberTransfer, m.PartyMember):
        model.objects.all()._raw_delete(connection.alias)
    while m.PartyOrg.objects.exists():  # leaves first (parent is PROTECT)
        m.PartyOrg.objects.filter(children__isnull=True)._raw_delete(connection.alias)
