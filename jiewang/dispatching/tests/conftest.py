"""Fixtures of dispatching's tests, on top of the shared tree, people and loop (root conftest):
an event walked to a state, a department of another district with its staff, a town's post."""

from __future__ import annotations

import pytest


@pytest.fixture
def walk(tree, people, loop):
    """walk(state, **kw) -> an event held by the town (unless ``level``) walked to ``state``."""
    from jiewang.events.testing import make_event

    def make(state, **kw):
        kw.setdefault("level", "town")
        return make_event(tree, people, loop, state, **kw)

    return make


@pytest.fixture
def south_staff(people):
    """Staff of 南区城市管理局 (another district): sees none of 一街道's events."""
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    u = User(username="south_staff", display_name="south_staff")
    u.set_password("pw-south_staff-2026")
    u.save()
    RoleGrant.objects.create(user=u, role=Role.DEPARTMENT_STAFF, area=people.other_department.area,
                             department=people.other_department)
    return u


@pytest.fixture
def posts(tree):
    """A post (岗位) of 一街道 and one of 二街道 (another town of the same district)."""
    from types import SimpleNamespace

    from jiewang.accounts.models import Board, Post

    own = Board.objects.create(town=tree.t1, kind="safety", name="平安法治")
    other = Board.objects.create(town=tree.t2, kind="safety", name="平安法治")
    return SimpleNamespace(own=Post.objects.create(board=own, name="综治岗"),
                           other=Post.objects.create(board=other, name="综治岗"))
