"""Test helpers for the closed loop: the seeded catalog, departments with codes in the test tree,
and their staff, on top of :mod:`jiewang.core.testing`."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass


@dataclass
class Loop:
    cgj: object  # 北区城市管理局 (lead for 违章搭建/占道经营)
    sthj: object  # 北区生态环境局
    cgj_staff: object
    sthj_staff: object


def build_loop(tree, people) -> Loop:
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import Department, RoleGrant, User
    from jiewang.events.services.catalog import catalog_seed

    catalog_seed()
    cgj = people.department
    cgj.code = "cgj"
    cgj.save()
    sthj = Department.objects.create(area=tree.d1, name="北区生态环境局", code="sthj")

    def staff(name, dept):
        u = User(username=name, display_name=name)
        u.set_password("pw-" + name + "-2026")
        u.save()
        RoleGrant.objects.create(user=u, role=Role.DEPARTMENT_STAFF, area=tree.d1, department=dept)
        return u

    return Loop(cgj=cgj, sthj=sthj, cgj_staff=people.department_staff, sthj_staff=staff("sthj_staff", sthj))


def png_bytes(colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buf, format="PNG")
    return buf.getvalue()


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def make_event(tree, people, loop, state: str, *, level: str = "grid", category: str = "LS01",
               reporter=None, at: tuple[float, float] = (106.05, 29.2), title: str | None = None,
               attributes: dict | None = None, lead=None):
    """An event reported at ``at`` (default: 甲社区第1网格) and walked to ``state`` through the
    services, as the system or the superuser; dispatched to ``lead`` (default: the department with
    code ``cgj``)."""
    from jiewang.accounts.models import Department
    from jiewang.dispatching.services import assignments as dsvc
    from jiewang.events.models import Event, MatterCategory
    from jiewang.events.services import actions
    from jiewang.events.services.intake import event_report

    admin = people.admin
    event, _ = event_report(actor=reporter, channel="resident_web", category=MatterCategory.objects.get(code=category),
                            lon=at[0], lat=at[1], title=title or f"测试事件 {state}", attributes=attributes)
    if level in ("community", "town") or state not in ("reported", "grid_handling", "grid_feedback",
                                                         "grid_closed"):
        actions.event_escalate(event=event, actor=admin, reason="上报")
    if level == "town" or state not in ("reported", "grid_handling", "grid_feedback", "grid_closed"):
        actions.event_escalate(event=Event.objects.get(pk=event.pk), actor=admin, reason="上报")
    get = lambda: Event.objects.get(pk=event.pk)  # noqa: E731
    if state == "reported":
        return get()
    if state.startswith("grid_"):
        actions.event_self_handle(event=get(), actor=admin)
        if state == "grid_handling":
            return get()
        if state == "grid_feedback":
            actions.event_feedback(event=get(), actor=admin, comment="已处理")
            return get()
        actions.event_close_on_spot(event=get(), actor=admin, comment="已处理")
        return get()
    actions.event_accept(event=get(), actor=admin)
    if state == "accepted":
        return get()
    if state == "shelved":
        actions.event_shelve(event=get(), actor=admin, reason="长期工作")
        return get()
    dsvc.event_dispatch(event=get(), actor=admin, lead=lead or Department.objects.get(code="cgj"))
    if state == "dispatched":
        return get()
    dsvc.assignment_sign(assignment=get().assignments.get(), actor=admin)
    if state == "handling":
        return get()
    actions.event_feedback(event=get(), actor=admin, comment="已办结")
    if state == "feedback":
        return get()
    actions.event_verify(event=get(), actor=admin, passed=True)
    return get()  # closed
