"""Boards and posts that handle work (板块办理): a dispatch to a post of the town's boards is
signed for, handled and fed back by the post's staff exactly as a department's staff do (the
same registry rows, the same workbench), the board leader (分管领导) sees and supervises the
board's work, routing proposes the town's post first and a district department second, and the
seeded posts and stations (站所)."""

from __future__ import annotations

import pytest

from jiewang.accounts.choices import Role
from jiewang.accounts.models import Post, RoleGrant, User
from jiewang.accounts.services import board_seed_town, role_grant
from jiewang.core.errors import ValidationFailed
from jiewang.dispatching.models import Assignment
from jiewang.events.models import EventActivity
from jiewang.events.registry import ActionContext
from jiewang.notifications.models import Notification

from .helpers import api, fresh, last_activity, refused, snapshot

pytestmark = pytest.mark.django_db


def person(name: str, role: str, area, **kw) -> User:
    u = User(username=name, display_name=name)
    u.set_password("pw-" + name + "-2026")
    u.save()
    RoleGrant.objects.create(user=u, role=role, area=area, **kw)
    return u


@pytest.fixture
def town(tree):
    """一街道 and 二街道 seeded with their boards, posts and stations; the staff of 综合执法大队
    of each, of 派出所 of 一街道, and the leaders of 一街道's 平安法治 and 经济发展 boards."""
    from types import SimpleNamespace

    board_seed_town(actor=None, town=tree.t1)
    board_seed_town(actor=None, town=tree.t2)
    zfdd = Post.objects.get(board__town=tree.t1, name="综合执法大队")
    other_town_zfdd = Post.objects.get(board__town=tree.t2, name="综合执法大队")
    pcs = Post.objects.get(board__town=tree.t1, name="派出所")
    return SimpleNamespace(
        zfdd=zfdd, pcs=pcs,
        zfdd_staff=person("zfdd_staff", Role.POST_STAFF, tree.t1, post=zfdd),
        pcs_staff=person("pcs_staff", Role.POST_STAFF, tree.t1, post=pcs),
        t2_staff=person("t2_zfdd_staff", Role.POST_STAFF, tree.t2, post=other_town_zfdd),
        leader=person("safety_leader", Role.BOARD_LEADER, tree.t1, board=zfdd.board),
        economy_leader=person("economy_leader", Role.BOARD_LEADER, tree.t1,
                              board=zfdd.board.town.boards.get(kind="economy")),
    )


def dispatch_to_post(client, event, post):
    r = api(client, f"/events/{event.number}/dispatch", {"lead": f"post:{post.pk}", "comment": "请执法大队处理",
                                                         "expected_version": fresh(event).version})
    assert r.status_code == 200, r.content
    return Assignment.objects.get(event=event, role="lead", status="dispatched")


# ---- the main story with a town post, through the API ---------------------------------------------

def test_post_staff_sign_for_feed_back_and_the_center_closes(walk, people, town, client_for):
    e = walk("accepted", category="SL01")
    a = dispatch_to_post(client_for(people.town_operator), e, town.zfdd)
    assert (a.post_id, a.department_id, a.area_id) == (town.zfdd.pk, None, None)
    assert Notification.objects.filter(recipient=town.zfdd_staff, event_number=e.number).exists()
    assert not Notification.objects.filter(recipient=town.pcs_staff, event_number=e.number).exists()
    staff = client_for(town.zfdd_staff)
    assert staff.get(f"/api/events/{e.number}").status_code == 200

    r = api(staff, f"/assignments/{a.pk}/sign")
    assert r.status_code == 200, r.content
    assert (r.json()["handler_kind"], r.json()["handler_name"]) == ("post", "平安法治 · 综合执法大队")
    ev = fresh(e)
    assert (ev.status, last_activity(ev).action, last_activity(ev).actor_role) == ("handling", "sign", "post_staff")

    r = api(staff, f"/events/{e.number}/feedback", {"comment": "摊点已清理", "expected_version": ev.version})
    assert r.status_code == 200, r.content
    ev = fresh(e)
    assert (ev.status, last_activity(ev).actor_role) == ("feedback", "post_staff")

    r = api(client_for(people.town_operator), f"/events/{e.number}/verify",
            {"passed": True, "comment": "现场核实", "expected_version": ev.version})
    assert r.status_code == 200, r.content
    assert fresh(e).status == "closed"
    assert Assignment.objects.get(pk=a.pk).status == "done"


def test_post_staff_ask_for_an_extension_and_return(walk, people, town, client_for):
    e = walk("accepted", category="SL01")
    a = dispatch_to_post(client_for(people.town_operator), e, town.zfdd)
    staff = client_for(town.zfdd_staff)
    assert api(staff, f"/assignments/{a.pk}/sign").status_code == 200
    ev = fresh(e)
    due = ev.due_at.replace(microsecond=0)
    import datetime as dt

    r = api(staff, f"/events/{e.number}/extension", {"requested_due_at": (due + dt.timedelta(days=3)).isoformat(),
                                                     "comment": "需协调多方"})
    assert r.status_code == 201, r.content
    assert last_activity(fresh(e)).actor_role == "post_staff"
    e2 = walk("accepted", category="SL01")
    a2 = dispatch_to_post(client_for(people.town_operator), e2, town.zfdd)
    r = api(staff, f"/assignments/{a2.pk}/return", {"comment": "不属于执法大队职责"})
    assert r.status_code == 200, r.content
    assert (fresh(e2).status, Assignment.objects.get(pk=a2.pk).status) == ("accepted", "returned")


# ---- the same story through the pages (the one form view) -----------------------------------------

def test_the_story_through_the_page_forms(walk, people, town, client_for):
    e = walk("accepted", category="SL01")
    op = client_for(people.town_operator)
    page = op.get(f"/events/{e.number}/").content.decode()
    # the proposal: the town's 综合执法大队 leads, selected in the one lead field
    assert f'<option value="post:{town.zfdd.pk}" selected' in page
    r = op.post(f"/events/{e.number}/do/dispatch/", {"lead": f"post:{town.zfdd.pk}", "comment": "请处理",
                                                     "expected_version": fresh(e).version})
    assert r.status_code == 302, r.content[:300]
    a = Assignment.objects.get(event=e, role="lead")
    assert a.post_id == town.zfdd.pk and fresh(e).status == "dispatched"

    staff = client_for(town.zfdd_staff)
    bench = staff.get("/dept/").content.decode()
    assert e.number in bench and "综合执法大队" in bench and 'data-action="sign"' in bench
    r = staff.post(f"/events/{e.number}/do/sign/", {"assignment_id": a.pk, "expected_version": fresh(e).version})
    assert r.status_code == 302 and fresh(e).status == "handling"
    r = staff.post(f"/events/{e.number}/do/feedback/", {"comment": "已清理", "expected_version": fresh(e).version})
    assert r.status_code == 302 and fresh(e).status == "feedback"
    r = op.post(f"/events/{e.number}/do/verify/", {"passed": "1", "comment": "核实",
                                                   "expected_version": fresh(e).version})
    assert r.status_code == 302 and fresh(e).status == "closed"
    acts = list(EventActivity.objects.filter(event=e).order_by("id").values_list("action", "actor_role"))
    assert acts[-4:] == [("dispatch", "town_operator"), ("sign", "post_staff"), ("feedback", "post_staff"),
                         ("verify_pass", "town_operator")]


# ---- another post, another town ----------------------------------------------------------------------

def test_staff_of_another_post_or_town_get_404_and_change_nothing(walk, people, town, client_for):
    e = walk("accepted", category="SL01")
    a = dispatch_to_post(client_for(people.town_operator), e, town.zfdd)
    before = snapshot(e)
    for user in (town.pcs_staff, town.t2_staff):
        c = client_for(user)
        refused(api(c, f"/assignments/{a.pk}/sign"), 404)
        refused(api(c, f"/events/{e.number}/sign", {"assignment_id": a.pk}), 404)
        assert c.get(f"/api/events/{e.number}").status_code == 404
        assert c.get(f"/events/{e.number}/").status_code == 404
        assert e.number not in c.get("/dept/").content.decode()
    # a post's staff see none of the town's other events (the area alone gives them nothing)
    other = walk("accepted", category="SL01")
    assert client_for(town.zfdd_staff).get(f"/api/events/{other.number}").status_code == 404
    assert snapshot(e) == before


# ---- the board leader ----------------------------------------------------------------------------------

def test_board_leader_sees_and_supervises_the_boards_work(walk, people, town, client_for):
    e = walk("accepted", category="SL01")
    a = dispatch_to_post(client_for(people.town_operator), e, town.zfdd)
    leader = client_for(town.leader)
    assert leader.get(f"/api/events/{e.number}").status_code == 200
    bench = leader.get("/dept/").content.decode()
    assert e.number in bench and "平安法治" in bench and 'data-action="remind"' in bench
    r = api(leader, f"/events/{e.number}/remind", {"comment": "请加快办理"})
    assert r.status_code == 200, r.content
    act = last_activity(fresh(e))
    assert (act.action, act.actor_role, act.comment) == ("remind", "board_leader", "请加快办理")
    assert Notification.objects.filter(recipient=town.zfdd_staff, kind="event.remind").exists()
    assert api(leader, f"/events/{e.number}/supervise", {"comment": "督办"}).status_code == 200
    # a leader oversees, does not act for the post
    before = snapshot(e)
    refused(api(leader, f"/assignments/{a.pk}/sign"), 403, "event.action_not_permitted")
    assert snapshot(e) == before
    # the leader of another board sees none of it
    other = client_for(town.economy_leader)
    refused(api(other, f"/events/{e.number}/remind", {"comment": "x"}), 404)
    assert e.number not in other.get("/dept/").content.decode()
    assert snapshot(e) == before


# ---- routing ---------------------------------------------------------------------------------------

def test_routing_proposes_the_towns_post_first_and_a_department_second(walk, people, loop, town):
    from jiewang.dispatching.action_table import _lead_choices

    e = walk("accepted", category="SL01")  # 占道经营: post 综合执法大队, department cgj
    assert e.category.default_post_name == "综合执法大队"
    options, default = _lead_choices(ActionContext(people.town_operator, e))
    assert default == f"post:{town.zfdd.pk}"
    values = [v for v, _label in options]
    posts = [v for v in values if v.startswith("post:")]
    assert values.index(posts[-1]) < values.index(f"department:{loop.cgj.pk}")  # posts first
    assert set(posts) == {f"post:{p.pk}" for p in Post.objects.filter(board__town=e.town)}  # the town's only
    # without a post of that name in the town: the category's department
    type(e.category).objects.filter(pk=e.category_id).update(default_post_name="")
    e = fresh(e)
    options, default = _lead_choices(ActionContext(people.town_operator, e))
    assert default == f"department:{loop.cgj.pk}"


def test_one_lead_only(walk, tree, people, loop, town, client_for):
    e = walk("accepted", category="SL01")
    before = snapshot(e)
    op = client_for(people.town_operator)
    refused(api(op, f"/events/{e.number}/dispatch", {"lead": f"post:{town.zfdd.pk}",
                                                      "lead_department_id": loop.cgj.pk}), 422, "dispatch.lead_required")
    refused(api(op, f"/events/{e.number}/dispatch", {"lead": "office:1"}), 422, "validation_failed")
    other_town_post = Post.objects.get(board__town=tree.t2, name="综合执法大队")
    refused(api(op, f"/events/{e.number}/dispatch", {"lead": f"post:{other_town_post.pk}"}), 404,
            "dispatch.lead_not_found")
    assert snapshot(e) == before


# ---- grants and seeding -------------------------------------------------------------------------------

def test_post_staff_and_board_leader_grants(tree, people, town):
    u = User.objects.create(username="newcomer")
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=people.town_leader, user=u, role=Role.POST_STAFF, area=tree.t1)
    assert exc.value.code == "role.post_required"
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=people.town_leader, user=u, role=Role.BOARD_LEADER, area=tree.t1, post=town.zfdd)
    assert exc.value.code == "role.post_required"
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=None, user=u, role=Role.POST_STAFF, area=tree.t2, post=town.zfdd)
    assert exc.value.code == "role.post_mismatch"
    assert not RoleGrant.objects.filter(user=u).exists()
    # two posts of one town: two grants
    role_grant(actor=people.town_leader, user=u, role=Role.POST_STAFF, area=tree.t1, post=town.zfdd)
    role_grant(actor=people.town_leader, user=u, role=Role.POST_STAFF, area=tree.t1, post=town.pcs)
    assert RoleGrant.objects.filter(user=u, role=Role.POST_STAFF).count() == 2


def test_seeding_a_towns_posts_is_idempotent_and_keeps_local_edits(tree):
    from jiewang.accounts.board_seed import TOWN_POSTS

    made = board_seed_town(actor=None, town=tree.t3)
    assert len(made) == sum(len(p) for p in TOWN_POSTS.values())
    assert {"综合执法大队", "派出所", "司法所", "应急办", "社保所", "规划建设管理环保办"} <= {p.name for p in made}
    Post.objects.filter(board__town=tree.t3, name="社保所").update(duties="本镇：社保与医保")
    Post.objects.create(board=made[0].board, name="本镇自设岗")
    assert board_seed_town(actor=None, town=tree.t3) == []
    assert Post.objects.get(board__town=tree.t3, name="社保所").duties == "本镇：社保与医保"
    assert Post.objects.filter(board__town=tree.t3).count() == len(made) + 1


def test_a_town_leader_grants_a_post_and_a_board_on_the_manage_page(tree, people, town, client_for):
    c = client_for(people.town_leader)
    page = c.get("/manage/users/").content.decode()
    assert 'name="post"' in page and "综合执法大队" in page and 'name="board"' in page
    r = c.post("/manage/users/", {"username": "new_post_staff", "role": "post_staff", "area": tree.t1.pk,
                                  "post": town.zfdd.pk})
    assert r.status_code == 302, r.content[:300]
    g = RoleGrant.objects.get(user__username="new_post_staff")
    assert (g.role, g.post_id, g.area_id) == ("post_staff", town.zfdd.pk, tree.t1.pk)
    r = c.post("/manage/users/", {"username": "new_leader", "role": "board_leader", "area": tree.t1.pk,
                                  "board": town.zfdd.board_id})
    assert r.status_code == 302 and RoleGrant.objects.get(user__username="new_leader").board_id == town.zfdd.board_id
    # without the post: refused, nobody created
    r = c.post("/manage/users/", {"username": "half", "role": "post_staff", "area": tree.t1.pk})
    assert r.status_code == 422 and not User.objects.filter(username="half").exists()


def test_the_manage_page_edits_a_towns_posts(tree, people, town, client_for):
    c = client_for(people.town_leader)
    page = c.get("/manage/boards/").content.decode()
    assert "综合执法大队" in page and "派出所" in page
    r = c.post("/manage/boards/", {"town": tree.t1.pk, "op": "edit", "post": town.pcs.pk, "name": "派出所",
                                   "duties": "治安、反诈"})
    assert r.status_code == 302
    assert Post.objects.get(pk=town.pcs.pk).duties == "治安、反诈"
    r = c.post("/manage/boards/", {"town": tree.t1.pk, "op": "add", "board": town.zfdd.board_id,
                                   "name": "禁毒办", "duties": "禁毒宣传"})
    assert r.status_code == 302 and Post.objects.filter(board=town.zfdd.board, name="禁毒办").exists()
    # another town's post is not this page's to edit; the grid worker may not come in
    other = Post.objects.get(board__town=tree.t2, name="派出所")
    c.post("/manage/boards/", {"town": tree.t2.pk, "op": "edit", "post": other.pk, "name": "改名"})
    assert Post.objects.get(pk=other.pk).name == "派出所"
    assert client_for(people.grid_worker).get("/manage/boards/").status_code == 403


def test_a_supervision_of_a_posts_work_reaches_its_board_leader(walk, people, town, client_for):
    e = walk("accepted", category="SL01")
    dispatch_to_post(client_for(people.town_operator), e, town.zfdd)
    assert api(client_for(people.town_operator), f"/events/{e.number}/supervise", {"comment": "督办"}).status_code == 200
    told = set(Notification.objects.filter(kind="event.supervise", event_number=e.number)
               .values_list("recipient__username", flat=True))
    assert {"zfdd_staff", "safety_leader", "town_leader"} <= told and "economy_leader" not in told
