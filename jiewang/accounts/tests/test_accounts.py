import json

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client, override_settings

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.accounts.services import role_grant, role_revoke, user_create
from jiewang.audit.models import AuditEntry
from jiewang.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed


def test_argon2_is_the_production_hasher():
    # conftest swaps in MD5 for speed; the committed setting must hash with Argon2 first.
    from importlib import reload

    import config.settings as s

    reload(s)
    assert s.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_argon2_hash_when_configured(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    u = user_create(actor=None, username="zhang", password="Strong-pass-2026")
    assert u.password.startswith("argon2$")
    assert u.check_password("Strong-pass-2026")


@pytest.mark.django_db
def test_phone_is_encrypted_at_rest_and_masked(people, client_for):
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM accounts_user WHERE id = %s", [people.resident.id])
        raw = cur.fetchone()[0]
    assert "13912345678" not in raw and raw.startswith("gAAAA")
    assert User.objects.get(pk=people.resident.id).phone == "13912345678"
    # community staff can read the user but only a mask of the phone; the town leader sees it whole
    staff_view = client_for(people.community_staff).get(f"/api/users/{people.resident.id}").json()
    assert staff_view["phone"] == "139****5678"
    leader_view = client_for(people.town_leader).get(f"/api/users/{people.resident.id}").json()
    assert leader_view["phone"] == "13912345678"


@pytest.mark.django_db
def test_role_must_match_area_level(tree, people):
    before = RoleGrant.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=people.district_admin, user=people.nobody, role=Role.GRID_WORKER, area=tree.c1)
    assert exc.value.code == "role.wrong_level"
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=people.district_admin, user=people.nobody, role=Role.DEPARTMENT_STAFF, area=tree.d1)
    assert exc.value.code == "role.department_required"
    assert RoleGrant.objects.count() == before


@pytest.mark.django_db
def test_grant_and_revoke_apply_to_the_subtree(tree, people, client_for):
    g = role_grant(actor=people.town_leader, user=people.nobody, role=Role.COMMUNITY_STAFF, area=tree.c2)
    c = client_for(User.objects.get(pk=people.nobody.pk))
    assert c.get(f"/api/areas/{tree.g3.id}").status_code == 200
    assert c.get(f"/api/areas/{tree.g1.id}").status_code == 404
    with pytest.raises(Conflict):
        role_grant(actor=people.town_leader, user=people.nobody, role=Role.COMMUNITY_STAFF, area=tree.c2)
    role_revoke(actor=people.town_leader, grant=g)
    c = client_for(User.objects.get(pk=people.nobody.pk))
    assert c.get(f"/api/areas/{tree.g3.id}").status_code == 404
    actions = list(AuditEntry.objects.filter(action__startswith="role.").values_list("action", flat=True))
    assert sorted(actions) == ["role.grant", "role.revoke"]


@pytest.mark.django_db
def test_manager_cannot_grant_outside_own_subtree(tree, people):
    with pytest.raises(ApplicationError) as exc:
        role_grant(actor=people.town_leader, user=people.nobody, role=Role.COMMUNITY_STAFF, area=tree.c3)
    assert exc.value.status == 404  # c3 is not even visible to a leader of 一街道
    with pytest.raises(PermissionDenied):
        # community staff can see c1 but may not manage people
        role_grant(actor=people.community_staff, user=people.nobody, role=Role.RESIDENT, area=tree.g1)
    assert not RoleGrant.objects.filter(user=people.nobody).exists()


@pytest.mark.django_db
def test_user_create_validates(people):
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=people.town_leader, username="li", password="123")
    assert exc.value.code == "user.password_weak"
    with pytest.raises(Conflict):
        user_create(actor=people.town_leader, username="GRID_WORKER", password=None)
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=people.town_leader, username="wang", password=None, phone="12ab")
    assert exc.value.code == "user.phone_invalid"
    assert not User.objects.filter(username__in=["li", "wang"]).exists()


@pytest.mark.django_db
def test_api_login_logout_and_lockout(people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    c = Client()
    ok = c.post("/api/auth/login", data=json.dumps({"username": "grid_worker", "password": "pw-grid_worker-2026"}),
                content_type="application/json")
    assert ok.status_code == 200 and ok.json()["username"] == "grid_worker"
    assert c.get("/api/me").status_code == 200
    assert c.post("/api/auth/logout").status_code == 200
    assert c.get("/api/me").status_code == 401
    bad = {"username": "resident", "password": "wrong"}
    codes = [Client().post("/api/auth/login", data=json.dumps(bad), content_type="application/json").status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]
    # locked even with the right password now
    good = {"username": "resident", "password": "pw-resident-2026"}
    r = Client().post("/api/auth/login", data=json.dumps(good), content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "auth.locked_out"


def test_session_idle_timeout_configured():
    assert "jiewang.accounts.middleware.SlidingSessionMiddleware" in django_settings.MIDDLEWARE
    assert 0 < django_settings.SESSION_COOKIE_AGE <= 3600


@pytest.mark.django_db
def test_activity_renews_the_session_at_most_once_a_minute(people, settings):
    from django.contrib.sessions.models import Session

    c = Client()
    c.force_login(people.grid_worker, backend="jiewang.accounts.backends.ModelBackend")
    c.get("/api/me")
    first = Session.objects.get().expire_date
    c.get("/api/me")
    assert Session.objects.get().expire_date == first  # no write within the minute
    settings.SESSION_REFRESH_SECONDS = 0
    import time

    time.sleep(1.1)
    c.get("/api/me")
    assert Session.objects.get().expire_date > first


@pytest.mark.django_db
def test_session_expires_when_idle(people):
    with override_settings(SESSION_COOKIE_AGE=1):
        c = Client()
        c.force_login(people.grid_worker, backend="jiewang.accounts.backends.ModelBackend")
        import time

        time.sleep(1.5)
        assert c.get("/api/me").status_code == 401


@pytest.mark.django_db
def test_department_list_includes_upper_levels(tree, people, client_for):
    data = client_for(people.town_operator).get("/api/departments?limit=50").json()
    assert [d["name"] for d in data["items"]] == ["北区城市管理局"]
    data = client_for(people.other_district_admin).get("/api/departments?limit=50").json()
    assert [d["name"] for d in data["items"]] == ["南区城市管理局"]


@pytest.mark.django_db
def test_create_user_with_a_first_role_in_one_transaction(tree, people, client_for):
    c = client_for(people.town_leader)
    body = {"username": "wang_gw", "display_name": "王网格员", "phone": "13500000000",
            "grant": {"role": "grid_worker", "area_id": tree.g2.id}}
    r = c.post("/api/users", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    assert [(g["role"], g["area_id"]) for g in r.json()["grants"]] == [("grid_worker", tree.g2.id)]
    assert c.get(f"/api/users/{r.json()['id']}").status_code == 200
    # a grant the leader may not make rolls the whole creation back
    bad = {"username": "li_gw", "grant": {"role": "grid_worker", "area_id": tree.g4.id}}
    r = c.post("/api/users", data=json.dumps(bad), content_type="application/json")
    assert r.status_code == 404 and not User.objects.filter(username="li_gw").exists()


@pytest.mark.django_db
def test_boards_posts_and_departments_are_configured_through_services(tree, people):
    from jiewang.accounts.models import Board, Department, Post
    from jiewang.accounts.services import board_setup_town, department_create, post_create

    boards = board_setup_town(actor=people.town_leader, town=tree.t1)
    assert sorted(b.name for b in boards) == sorted(["党的建设", "经济发展", "民生服务", "平安法治"])
    assert board_setup_town(actor=people.town_leader, town=tree.t1) == boards  # idempotent
    with pytest.raises(ValidationFailed):
        board_setup_town(actor=None, town=tree.c1)
    with pytest.raises(ApplicationError):  # 三镇 is outside the leader's town
        board_setup_town(actor=people.town_leader, town=tree.t3)
    safety = Board.objects.get(town=tree.t1, kind="safety")
    post = post_create(actor=people.town_leader, board=safety, name="综治岗", duties="矛盾纠纷排查")
    with pytest.raises(Conflict):
        post_create(actor=people.town_leader, board=safety, name="综治岗")
    with pytest.raises(PermissionDenied):
        post_create(actor=people.town_operator, board=safety, name="应急岗")
    dept = department_create(actor=people.district_admin, area=tree.d1, name="北区应急管理局",
                             code="yjj")
    with pytest.raises(ApplicationError):
        department_create(actor=people.district_admin, area=tree.d2, name="南区应急管理局")
    with pytest.raises(ValidationFailed):
        department_create(actor=people.district_admin, area=tree.c1, name="x")
    assert (Post.objects.get().pk, Department.objects.filter(code="yjj").get().pk) == (post.pk, dept.pk)
    assert Board.objects.filter(town=tree.t3).count() == 0
    actions = sorted(AuditEntry.objects.filter(action__in=["board.create", "post.create", "department.create"])
                     .values_list("action", flat=True))
    assert actions == ["board.create"] * 4 + ["department.create", "post.create"]
