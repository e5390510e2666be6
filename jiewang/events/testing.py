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
    sthj = Department.objects.create(area=tree.d1, name="北区生态环境局", code="sthj", board_kind="economy")

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
