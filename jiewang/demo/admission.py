"""The demo's duty admission list (职责事项准入): every district of the demo city gets a list —
v1 published a year ago, v2 (one duty changed, one added, one dropped) published since and in
force, so the history and the diff show — and the demo town a few held pushes for its command
center to decide (a department's statistics form, a town office's off-list request). The
history's tasks are pushed through the gate citing these duties (:func:`push_task`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jiewang.accounts.models import Department, User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area

RESIDENT_FORM = [
    {"key": "name", "label": "姓名", "type": "text", "source": "resident.name"},
    {"key": "relation", "label": "与户主关系", "type": "text", "source": "resident.relation"},
    {"key": "kind", "label": "人口类别", "type": "text", "source": "resident.kind"},
    {"key": "address", "label": "住址", "type": "text", "source": "resident.address"},
    {"key": "insured", "label": "是否参加城乡居民医保", "type": "bool"},
]
HOUSE_FORM = [
    {"key": "address", "label": "地址", "type": "text", "source": "house.address"},
    {"key": "use", "label": "房屋用途", "type": "text", "source": "house.use"},
    {"key": "residents", "label": "在住人数", "type": "number", "source": "house.residents"},
    {"key": "gas_alarm", "label": "已装燃气报警器", "type": "bool"},
]
# code, name, kind, level, the town's offices may push it, department codes, hours per grid, form, note
ITEMS_V1 = [
    ("RK01", "人口信息采集", "data_collection", "grid", True, ["gaj", "mzj"], 4, RESIDENT_FORM, "一表通：从基础数据预填，只核实不重录"),
    ("FW01", "出租房屋信息核查", "data_collection", "grid", True, ["gaj", "zjw"], 3, HOUSE_FORM, ""),
    ("AQ01", "安全隐患排查", "inspection", "grid", True, ["yjj", "xf"], 3, [], "含燃气、消防通道、电动车充电"),
    ("AQ02", "燃气安全入户检查", "inspection", "grid", False, ["cgj", "yjj"], 2.5, HOUSE_FORM, ""),
    ("FX01", "汛前隐患排查", "inspection", "community", True, ["slj", "yjj"], 3, [], "每年4—5月"),
    ("XC01", "政策宣传", "publicity", "grid", True, ["xcb", "rsj", "ybj"], 1.5, [], "张贴、院坝会、入户宣讲"),
    ("LN01", "独居老人走访", "service", "grid", True, ["mzj"], 2, [], "每月至少一次"),
    ("TS01", "特殊人群走访", "service", "grid", True, ["sfj", "gaj", "wjw"], 2, [], ""),
    ("HJ01", "环境卫生整治", "other", "community", True, ["cgj", "sthj"], 2, [], ""),
]
# v2: 政策宣传 asks less (1 h), 矛盾纠纷排查 added, 燃气安全入户检查 dropped (now the gas company's own)
V2_CHANGES = {"XC01": {"expected_hours": 1}}
V2_ADDED = [("MD01", "矛盾纠纷排查", "inspection", "grid", True, ["sfj", "xfb"], 2, [], "每月排查一次")]
V2_DROPPED = {"AQ02"}

# The history's tasks (demo.scenarios.TASKS by category) and the duty each cites.
TASK_ITEMS = {"SL04": "AQ01", "SL06": "AQ01", "SL11": "FX01", "LS08": "LN01", "LS01": "HJ01", "PB03": "XC01",
              "SL12": "TS01"}


def _add(draft, row, depts):
    from jiewang.admission.services.lists import duty_item_add

    code, name, kind, level, by_town, dept_codes, hours, form, note = row
    duty_item_add(actor=None, duty_list=draft, code=code, name=name, kind=kind, level=level, by_town=by_town,
                  department_ids=[depts[c].pk for c in dept_codes if c in depts], expected_hours=hours, form=form,
                  note=note)


def seed_admission(root: Area) -> int:
    """Lists v1 and v2 for every district under ``root``; held pushes on the demo town. Returns
    the number of duties in force."""
    from jiewang.admission.models import DutyList
    from jiewang.admission.services.lists import duty_item_remove, duty_item_update, duty_list_draft, duty_list_publish

    count = 0
    year_ago = timezone.now() - dt.timedelta(days=365)
    for district in Area.objects.filter(path__startswith=root.path, level=AreaLevel.DISTRICT, valid_to__isnull=True):
        depts = {d.code: d for d in Department.objects.filter(area=district)}
        v1 = duty_list_draft(actor=None, district=district, note="首版职责事项准入清单")
        for row in ITEMS_V1:
            _add(v1, row, depts)
        duty_list_publish(actor=None, duty_list=v1)
        DutyList.objects.filter(pk=v1.pk).update(published_at=year_ago, created_at=year_ago)
        v2 = duty_list_draft(actor=None, district=district, note="年度调整")
        for item in v2.items.all():
            if item.code in V2_DROPPED:
                duty_item_remove(actor=None, item=item)
            elif item.code in V2_CHANGES:
                duty_item_update(actor=None, item=item, **V2_CHANGES[item.code])
        for row in V2_ADDED:
            _add(v2, row, depts)
        duty_list_publish(actor=None, duty_list=v2)
        count += v2.items.count()
    _held_pushes(root)
    return count


def _held_pushes(root: Area) -> None:
    """A few pushes held on the demo town (where the demo logins work), for its center to decide."""
    from jiewang.events.models import MatterCategory

    from jiewang.admission.services.pushing import task_push

    staff = User.objects.filter(username="department_staff").first()
    operator = User.objects.filter(username="town_operator").first()
    town_grant = operator.role_grants.select_related("area").first() if operator else None
    if town_grant is None:
        return
    town = town_grant.area
    grids = list(Area.objects.filter(path__startswith=town.path, level=AreaLevel.GRID).order_by("path")[:3])
    community = Area.objects.filter(path__startswith=town.path, level=AreaLevel.COMMUNITY).order_by("path").first()
    cat = MatterCategory.objects.filter(parent__isnull=False).order_by("code").first()
    if not grids or cat is None:
        return
    due = timezone.now() + dt.timedelta(days=7)
    asks = [
        (staff, grids[0], "2026年度城市管理统计报表填报", "请各网格填报辖区门店招牌数量统计表", 3),
        (staff, grids[1 % len(grids)], "共享单车停放点位摸排", "逐一拍照登记辖区共享单车停放点", 2),
        (operator, community or grids[0], "辖区广告牌安全隐患临时排查", "台风预警，请社区临时排查广告牌", 2.5),
    ]
    for actor, area, title, desc, hours in asks:
        if actor is not None:
            task_push(actor=actor, area=area, category=cat, title=title, description=desc, due_at=due,
                      checklist=["逐项登记", "汇总上报"], expected_hours=hours)


def push_task(*, actor, area: Area, category, title: str, due_at, description: str, checklist: list[str]):
    """A history task pushed through the gate, citing the duty its category maps to (the town's
    offices may push every mapped duty at its level); the assignment, as task_send_down gave it."""
    from jiewang.admission.choices import ListStatus
    from jiewang.admission.models import DutyItem
    from jiewang.admission.services.pushing import task_push
    from jiewang.admission.services.rule import district_of, duty_level
    from jiewang.dispatching.models import Assignment

    code = TASK_ITEMS.get(category.code)
    item = (DutyItem.objects.filter(code=code, level=duty_level(area), duty_list__status=ListStatus.PUBLISHED,
                                    duty_list__district=district_of(area)).first() if code else None)
    push = task_push(actor=actor, area=area, category=category, title=title, description=description, due_at=due_at,
                     checklist=checklist, duty_item_id=item.pk if item else None)
    return Assignment.objects.filter(event=push.event).first() if push.event_id else None


def task_level(category_code: str) -> str:
    """The level (grid | community) of the duty a history task of this category cites."""
    code = TASK_ITEMS.get(category_code)
    return next((row[3] for row in ITEMS_V1 + V2_ADDED if row[0] == code), "grid")


def delete_admission(root: Area) -> None:
    """The demo's admission rows (lists, pushes, records), before the history's events and the city."""
    from jiewang.admission.models import DutyItem, DutyList, PushRequest, TaskRecord

    TaskRecord.objects.filter(push__town__path__startswith=root.path).delete()
    PushRequest.objects.filter(town__path__startswith=root.path).delete()
    DutyItem.objects.filter(duty_list__district__path__startswith=root.path).delete()
    DutyList.objects.filter(district__path__startswith=root.path).delete()
