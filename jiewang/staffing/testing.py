"""Test helpers of staffing: people and assignments in the test tree (jiewang/core/testing.py),
and the fuzz world (tests/test_api_fuzz.py)."""

from __future__ import annotations

import datetime as dt


def person(area, name="张网格", *, user=None, work_phone="13800001111", personal_phone="13900002222", **kw):
    from .services.people import person_create

    return person_create(actor=None, area=area, name=name, user=user, work_phone=work_phone,
                         personal_phone=personal_phone, **kw)


def assign(who, grid, kind="full_time", start: dt.date | None = None):
    from .services.members import member_assign

    return member_assign(actor=None, person=who, grid=grid, kind=kind, start_date=start)


def staff_all(tree, except_grids=()) -> dict:
    """A full-time worker in every grid of the tree but ``except_grids``."""
    out = {}
    for grid in (tree.g1, tree.g2, tree.g3, tree.g4):
        if grid in except_grids:
            continue
        community = grid.parent
        out[grid.pk] = assign(person(community, f"专职{grid.code[-3:]}"), grid)
    return out


def staffing_world(tree, people, loop) -> dict:
    """A person with an assignment in 甲社区第1网格, for the API fuzz run."""
    who = person(tree.c1, "模糊测试", user=people.grid_worker)
    member = assign(who, tree.g1)
    return {"person_id": who.pk, "member_id": member.pk, "grid_id": tree.g1.pk}
