"""Test helpers of the duty admission list: a published list for 北区 (the test tree's district)
with items for the town's offices and the 城市管理局 department, tasks pushed through it, and the
world of the API fuzz run."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

COLLECT_FORM = [
    {"key": "name", "label": "姓名", "type": "text", "source": "resident.name"},
    {"key": "relation", "label": "与户主关系", "type": "text", "source": "resident.relation"},
    {"key": "address", "label": "住址", "type": "text", "source": "resident.address"},
    {"key": "insured", "label": "是否参保", "type": "bool"},
]


def published_list(tree, *, department=None, actor=None):
    """v1 of 北区's list, published: PB01 policy publicity (grid, town offices, 1.5 h), RK01
    population collection (grid, town offices and ``department``, 4 h, a form from base data),
    AQ01 safety inspection (community, town offices, 3 h)."""
    from .services.lists import duty_item_add, duty_list_draft, duty_list_publish

    draft = duty_list_draft(actor=actor, district=tree.d1)
    duty_item_add(actor=actor, duty_list=draft, code="PB01", name="政策宣传", kind="publicity", level="grid",
                  by_town=True, expected_hours=1.5)
    duty_item_add(actor=actor, duty_list=draft, code="RK01", name="人口信息采集", kind="data_collection",
                  level="grid", by_town=True, department_ids=[department.pk] if department else [],
                  expected_hours=4, form=COLLECT_FORM)
    duty_item_add(actor=actor, duty_list=draft, code="AQ01", name="安全隐患排查", kind="inspection",
                  level="community", by_town=True, expected_hours=3)
    return duty_list_publish(actor=actor, duty_list=draft)


def item(code: str, tree=None):
    from .choices import ListStatus
    from .models import DutyItem

    qs = DutyItem.objects.filter(code=code, duty_list__status=ListStatus.PUBLISHED)
    if tree is not None:
        qs = qs.filter(duty_list__district=tree.d1)
    return qs.get()


def push(actor, area, *, code: str | None = None, title: str = "入户走访", category: str = "LS01", days: float = 2,
         checklist=None, **kw):
    """Push a task through the gate (citing the published item ``code``, if given)."""
    from jiewang.events.models import MatterCategory

    from .services.pushing import task_push

    item_id = item(code).pk if code else None
    return task_push(actor=actor, area=area, category=MatterCategory.objects.get(code=category), title=title,
                     due_at=timezone.now() + dt.timedelta(days=days), checklist=checklist, duty_item_id=item_id, **kw)


def admitted_task(actor, area, *, title: str = "入户走访", category: str = "LS01", due_at=None, checklist=None,
                  description: str = ""):
    """A task delivered through the gate (the list published if need be, item PB01 or AQ01 by the
    area's level): its assignment, as ``task_send_down`` returned it before the gate."""
    from jiewang.areas.models import Area
    from jiewang.dispatching.models import Assignment
    from jiewang.events.models import MatterCategory

    from .choices import ListStatus
    from .models import DutyList
    from .services.pushing import task_push

    d1 = Area.objects.get(code="500101")
    if not DutyList.objects.filter(district=d1, status=ListStatus.PUBLISHED).exists():
        from types import SimpleNamespace

        published_list(SimpleNamespace(d1=d1))
    code = "AQ01" if area.level == 4 else "PB01"
    p = task_push(actor=actor, area=area, category=MatterCategory.objects.get(code=category), title=title,
                  description=description, due_at=due_at or timezone.now() + dt.timedelta(days=2),
                  checklist=checklist, duty_item_id=item(code).pk)
    assert p.status == "admitted", p.reasons
    return Assignment.objects.get(event=p.event)


def household(grid):
    """One household of base data in ``grid`` (through basedata's services): a house at
    学府路18号3栋2单元501 with two residents, 张桂兰 (head) and 李建国 (spouse)."""
    import random

    from jiewang.basedata import idnumber
    from jiewang.basedata.testing import house_at, resident_in

    h = house_at(grid, number="18号")
    ids = [idnumber.fake(random.Random(seed), area="500101", gender=g) for seed, g in ((101, "female"), (102, "male"))]
    return (resident_in(h, name="张桂兰", id_number=ids[0], phone="13800001111", relation="head"),
            resident_in(h, name="李建国", id_number=ids[1], phone="13800002222", relation="spouse"))


def admission_world(tree, people, loop) -> dict:
    """For the API matrix and fuzz runs: 北区's published list v1 and its draft v2 (``duty_list_id``,
    ``duty_item_id`` are the draft's), a push held (the department cited a town-only duty:
    ``push_id``), and a delivered data-collection task pre-filled for a household of 第1网格
    (``task_number``, ``task_record_id``)."""
    from .models import TaskRecord
    from .services.lists import duty_list_draft

    published_list(tree, department=people.department)
    household(tree.g1)
    draft = duty_list_draft(actor=None, district=tree.d1)
    held = push(people.department_staff, tree.g1, code="PB01", title="表外任务")
    delivered = push(people.town_operator, tree.g1, code="RK01", title="人口信息采集")
    return {"duty_list_id": draft.pk, "duty_item_id": draft.items.order_by("code").first().pk, "push_id": held.pk,
            "task_number": delivered.event.number,
            "task_record_id": TaskRecord.objects.filter(push=delivered).first().pk}
