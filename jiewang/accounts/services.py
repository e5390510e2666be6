"""Writes for accounts: creating users, granting and revoking roles, departments and boards.

Each service checks the actor's scope (``actor=None`` = the system), writes, and records an audit
row in one transaction.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed, user_grants

from .choices import ROLE_LEVELS, Role
from .models import Board, Department, Post, RoleGrant, User

from .board_seed import BOARD_NAMES, TOWN_POSTS


def _ensure_area_manager(actor, area: Area, roles=(Role.TOWN_LEADER, Role.DISTRICT_ADMIN)) -> None:
    """The actor must hold a people-managing role on ``area`` or above it."""
    if actor is None or actor.is_superuser:
        return
    for g in user_grants(actor):
        if g.role in roles and area.path.startswith(g.path):
            return
    raise PermissionDenied("您无权管理该区域的人员 / You may not manage people in this area.",
                           code="accounts.not_area_manager")


@transaction.atomic
def user_create(*, actor, username: str, password: str | None, display_name: str = "",
                phone: str = "", email: str = "") -> User:
    """Create a sign-in account. Who may see and use it follows from the roles granted next."""
    if actor is not None and not actor.is_superuser and not any(
        g.role in (Role.TOWN_LEADER, Role.DISTRICT_ADMIN) for g in user_grants(actor)
    ):
        raise PermissionDenied("您无权创建用户 / You may not create users.", code="accounts.cannot_create_user")
    username = (username or "").strip()
    if not username:
        raise ValidationFailed("用户名必填 / Username is required.", code="user.username_required",
                               fields={"username": "required"})
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("用户名已存在 / Username taken.", code="user.username_taken", fields={"username": username})
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
        raise ValidationFailed("手机号格式不正确 / Invalid phone number.", code="user.phone_invalid",
                               fields={"phone": "digits, 7–15"})
    user = User(username=username, display_name=display_name, phone=phone, email=email)
    if password:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise ValidationFailed("密码不符合要求 / Password too weak.", code="user.password_weak",
                                   fields={"password": list(exc.messages)}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, data={"username": username})
    return user


@transaction.atomic
def role_grant(*, actor, user: User, role: str, area: Area, department: Department | None = None,
               post: Post | None = None, board: Board | None = None) -> RoleGrant:
    """Grant ``role`` on ``area`` (and its subtree) to ``user``. Post staff name the post they
    hold and board leaders the board they lead, both of the town ``area``."""
    if role not in Role.values:
        raise ValidationFailed(f"未知角色 / Unknown role {role!r}.", code="role.unknown")
    ensure_allowed(actor, Action.VIEW, area)
    _ensure_area_manager(actor, area)
    if area.level not in ROLE_LEVELS[role]:
        allowed = ", ".join(str(AreaLevel(lv).label) for lv in ROLE_LEVELS[role])
        raise ValidationFailed(f"该角色只能授予在：{allowed} / This role is granted on: {allowed}.",
                               code="role.wrong_level", fields={"area": area.level})
    if role == Role.DEPARTMENT_STAFF:
        if department is None:
            raise ValidationFailed("部门人员须指定部门 / Department staff need a department.",
                                   code="role.department_required", fields={"department": "required"})
        if not area.path.startswith(Area.objects.get(pk=department.area_id).path):
            raise ValidationFailed("部门不在该区域 / The department does not belong to this area.",
                                   code="role.department_area_mismatch")
    elif department is not None:
        raise ValidationFailed("只有部门人员有部门 / Only department staff have a department.",
                               code="role.department_not_allowed")
    if (role == Role.POST_STAFF) != (post is not None):
        raise ValidationFailed("岗位工作人员须指定岗位（且仅此角色）/ Post staff, and only they, name a post.",
                               code="role.post_required", fields={"post": "required"})
    if (role == Role.BOARD_LEADER) != (board is not None):
        raise ValidationFailed("分管领导须指定板块（且仅此角色）/ Board leaders, and only they, name a board.",
                               code="role.board_required", fields={"board": "required"})
    if post is not None and post.board.town_id != area.id:
        raise ValidationFailed("岗位不属于该镇街 / The post belongs to another town.", code="role.post_mismatch")
    if board is not None and board.town_id != area.id:
        raise ValidationFailed("板块不属于该镇街 / The board belongs to another town.", code="role.board_mismatch")
    twin = RoleGrant.objects.filter(user=user, role=role, area=area, post=post, board=board)
    if twin.active().exists():
        raise Conflict("该角色已授予 / The role is already granted.", code="role.already_granted")
    twin.delete()  # an expired twin
    grant = RoleGrant.objects.create(user=user, role=role, area=area, department=department, post=post,
                                     board=board, granted_by=actor)
    audit_record(actor=actor, action="role.grant", obj=grant,
                 data={"user": user.pk, "role": role, "area": area.pk,
                       "department": department.pk if department else None,
                       "post": post.pk if post else None, "board": board.pk if board else None})
    return grant


@transaction.atomic
def role_revoke(*, actor, grant: RoleGrant) -> RoleGrant:
    """End a role grant now (the row stays, with ``valid_to``, for history)."""
    area = Area.objects.get(pk=grant.area_id)
    ensure_allowed(actor, Action.VIEW, area)
    _ensure_area_manager(actor, area)
    if grant.valid_to is not None and grant.valid_to <= timezone.now():
        raise Conflict("该授权已撤销 / Already revoked.", code="role.already_revoked")
    grant.valid_to = timezone.now()
    grant.save(update_fields=["valid_to"])
    audit_record(actor=actor, action="role.revoke", obj=grant, data={"user": grant.user_id, "role": grant.role})
    return grant


@transaction.atomic
def board_setup_town(*, actor, town: Area) -> list[Board]:
    """Give a town its four boards (idempotent). Posts are configured per town afterwards."""
    if town.level != AreaLevel.TOWN:
        raise ValidationFailed("板块只属于镇街 / Boards belong to towns.", code="board.not_town")
    ensure_allowed(actor, Action.VIEW, town)
    _ensure_area_manager(actor, town)
    boards = []
    for kind, name in BOARD_NAMES.items():
        board, created = Board.objects.get_or_create(town=town, kind=kind, defaults={"name": name})
        boards.append(board)
        if created:
            audit_record(actor=actor, action="board.create", obj=board)
    return boards


@transaction.atomic
def board_seed_town(*, actor, town: Area) -> list[Post]:
    """Give a town its four boards and the seeded posts and stations of each
    (:data:`.board_seed.TOWN_POSTS`); idempotent: a post the town has (or renamed away and
    re-adds) is left alone, only missing ones are created. The posts it created."""
    boards = {b.kind: b for b in board_setup_town(actor=actor, town=town)}
    have = set(Post.objects.filter(board__town=town).values_list("board__kind", "name"))
    made = []
    for kind, posts in TOWN_POSTS.items():
        for name, duties in posts:
            if (kind, name) not in have:
                post = Post.objects.create(board=boards[kind], name=name, duties=duties)
                audit_record(actor=actor, action="post.create", obj=post, data={"seeded": True})
                made.append(post)
    return made

@transaction.atomic
def post_create(*, actor, board: Board, name: str, duties: str = "") -> Post:
    """Add a post (岗位) to a town's board."""
    town = Area.objects.get(pk=board.town_id)
    ensure_allowed(actor, Action.VIEW, town)
    _ensure_area_manager(actor, town)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("岗位名称必填 / Name required.", code="post.name_required")
    if Post.objects.filter(board=board, name=name).exists():
        raise Conflict("岗位已存在 / Post exists.", code="post.name_taken")
    post = Post.objects.create(board=board, name=name, duties=duties)
    audit_record(actor=actor, action="post.create", obj=post)
    return post


@transaction.atomic
def post_update(*, actor, post: Post, name: str, duties: str = "") -> Post:
    """Rename a post or change its duties (a town's own edit of its seeded posts)."""
    post = Post.objects.select_for_update().select_related("board").get(pk=post.pk)
    town = Area.objects.get(pk=post.board.town_id)
    ensure_allowed(actor, Action.VIEW, town)
    _ensure_area_manager(actor, town)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("岗位名称必填 / Name required.", code="post.name_required")
    if Post.objects.filter(board=post.board, name=name).exclude(pk=post.pk).exists():
        raise Conflict("岗位已存在 / Post exists.", code="post.name_taken")
    before = {"name": post.name, "duties": post.duties}
    post.name, post.duties = name[:64], (duties or "").strip()
    post.save(update_fields=["name", "duties"])
    audit_record(actor=actor, action="post.update", obj=post, data={"before": before})
    return post


@transaction.atomic
def department_create(*, actor, area: Area, name: str, code: str = "", phone: str = "") -> Department:
    """Register a functional department of a district or the city (or a town office)."""
    if area.level not in (AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.TOWN):
        raise ValidationFailed("部门属于市、区县或镇街 / Departments belong to a city, district or town.",
                               code="department.wrong_level")
    ensure_allowed(actor, Action.VIEW, area)
    _ensure_area_manager(actor, area, roles=(Role.DISTRICT_ADMIN,))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("部门名称必填 / Name required.", code="department.name_required")
    if Department.objects.filter(area=area, name=name).exists():
        raise Conflict("部门已存在 / Department exists.", code="department.name_taken")
    dept = Department.objects.create(area=area, name=name, code=code, phone=phone)
    audit_record(actor=actor, action="department.create", obj=dept)
    return dept


def sessions_clear_expired() -> int:
    """Delete the expired rows of ``django_session`` (what ``manage.py clearsessions`` does), so
    that the table holds live sessions only. Their cached copies expire in the cache by
    themselves (the database cache culls expired entries). Idempotent; run hourly by the worker.
    Returns the number of rows deleted."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
