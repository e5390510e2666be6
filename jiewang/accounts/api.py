"""HTTP API for accounts: sign-in, the current user, users and role grants, departments, boards."""


import datetime as dt

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from jiewang.areas import selectors as area_selectors
from jiewang.core.errors import ApplicationError, NotFound, declares_errors
from jiewang.core.schema_types import DbId, Pagination
from jiewang.core.scope import Action, restrict

from . import selectors, services
from .choices import Role
from .models import Board, RoleGrant

router = Router(tags=["accounts"])


class GrantOut(Schema):
    id: int
    role: str
    role_label: str
    area_id: int
    area_name: str
    area_code: str
    department_id: int | None
    department_name: str | None
    post_id: int | None
    board_id: int | None
    granted_at: dt.datetime
    valid_to: dt.datetime | None

    @staticmethod
    def resolve_role_label(obj):
        return str(Role(obj.role).label)

    @staticmethod
    def resolve_area_name(obj):
        return obj.area.name

    @staticmethod
    def resolve_area_code(obj):
        return obj.area.code

    @staticmethod
    def resolve_department_name(obj):
        return obj.department.name if obj.department_id else None


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str
    is_active: bool
    grants: list[GrantOut]


def _user_out(viewer, user) -> dict:
    grants = getattr(user, "active_grants", None)
    if grants is None:
        grants = list(RoleGrant.objects.active().filter(user=user).select_related("area", "department"))
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "phone": user.phone if selectors.can_see_phone(viewer, user) else user.phone_masked,
        "is_active": user.is_active, "grants": grants,
    }


# ---- session --------------------------------------------------------------------------------

class LoginIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)


@router.post("/auth/login", auth=None, response={200: UserOut}, summary="Sign in (sets the session cookie)")
@declares_errors(401, 429)  # wrong credentials; locked out by django-axes after repeated failures
def auth_login(request, payload: LoginIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise ApplicationError("用户名或密码错误 / Wrong username or password.", code="auth.invalid_credentials",
                               status=401)
    login(request, user)
    get_token(request)
    return _user_out(user, user)


@router.post("/auth/logout", summary="Sign out")
def auth_logout(request):
    logout(request)
    return {"ok": True}


@router.get("/me", response=UserOut, summary="The signed-in user and their roles")
def me(request):
    return _user_out(request.user, request.user)


# ---- users ----------------------------------------------------------------------------------

class UserFilters(Schema):
    area_id: DbId | None = Field(None, description="users holding a role in this area's subtree")
    role: Role | None = None
    q: str | None = Field(None, max_length=100)


@router.get("/users", response=list[UserOut], summary="Users visible to you")
@paginate(Pagination)
def list_users(request, filters: Query[UserFilters]):
    area = area_selectors.area_get(user=request.user, area_id=filters.area_id) if filters.area_id else None
    users = selectors.user_list(user=request.user, area=area, role=filters.role, q=filters.q)
    return [_user_out(request.user, u) for u in users]


@router.get("/users/{int:user_id}", response=UserOut, summary="One user")
def get_user(request, user_id: DbId):
    return _user_out(request.user, selectors.user_get(user=request.user, user_id=user_id))


class GrantIn(Schema):
    role: Role
    area_id: DbId
    department_id: DbId | None = None
    post_id: DbId | None = Field(None, description="post staff: the post held")
    board_id: DbId | None = Field(None, description="board leaders: the board led")


class UserCreateIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str | None = Field(None, max_length=256)
    display_name: str = Field("", max_length=64)
    phone: str = Field("", max_length=15)
    email: str = Field("", max_length=254)
    grant: GrantIn | None = Field(None, description="the first role, granted in the same transaction "
                                    "(a user without roles is visible only to superusers)")


@router.post("/users", response={201: UserOut}, summary="Create a user, optionally with a first role")
def create_user(request, payload: UserCreateIn):
    from django.db import transaction

    data = payload.dict(exclude={"grant"})
    with transaction.atomic():
        user = services.user_create(actor=request.user, **data)
        if payload.grant is not None:
            _grant(request, user, payload.grant)
    return Status(201, _user_out(request.user, user))


@router.post("/users/{int:user_id}/grants", response={201: GrantOut}, summary="Grant a role on an area")
def grant_role(request, user_id: DbId, payload: GrantIn):
    subject = selectors.user_get(user=request.user, user_id=user_id)
    grant = _grant(request, subject, payload)
    return Status(201, RoleGrant.objects.select_related("area", "department").get(pk=grant.pk))


def _grant(request, subject, payload: GrantIn):
    from .models import Post

    area = area_selectors.area_get(user=request.user, area_id=payload.area_id, include_retired=False)
    department = None
    if payload.department_id is not None:
        department = selectors.department_list(user=request.user).filter(pk=payload.department_id).first()
        if department is None:
            raise NotFound("部门不存在 / Department not found.", code="department.not_found")
    post = None
    if payload.post_id is not None:
        post = restrict(Post.objects.select_related("board"), request.user, Action.VIEW).filter(pk=payload.post_id).first()
        if post is None:
            raise NotFound("岗位不存在 / Post not found.", code="post.not_found")
    board = None
    if payload.board_id is not None:
        board = restrict(Board.objects.all(), request.user, Action.VIEW).filter(pk=payload.board_id).first()
        if board is None:
            raise NotFound("板块不存在 / Board not found.", code="board.not_found")
    return services.role_grant(actor=request.user, user=subject, role=payload.role, area=area,
                               department=department, post=post, board=board)


@router.post("/grants/{int:grant_id}/revoke", response=GrantOut, summary="Revoke a role grant")
def revoke_grant(request, grant_id: DbId):
    grant = restrict(RoleGrant.objects.select_related("area", "department"), request.user, Action.VIEW) \
        .filter(pk=grant_id).first()
    if grant is None:
        raise NotFound("授权不存在 / Grant not found.", code="role.not_found")
    return services.role_revoke(actor=request.user, grant=grant)


# ---- departments and boards -----------------------------------------------------------------

class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    area_id: int
    area_name: str

    @staticmethod
    def resolve_area_name(obj):
        return obj.area.name


@router.get("/departments", response=list[DepartmentOut], summary="Departments visible to you")
@paginate(Pagination)
def list_departments(request, area_id: DbId | None = None):
    area = area_selectors.area_get(user=request.user, area_id=area_id) if area_id else None
    return selectors.department_list(user=request.user, area=area)


class PostOut(Schema):
    id: int
    name: str
    duties: str


class BoardOut(Schema):
    id: int
    kind: str
    name: str
    posts: list[PostOut]


@router.get("/areas/{int:town_id}/boards", response=list[BoardOut], summary="A town's four boards and their posts")
def town_boards(request, town_id: DbId):
    town = area_selectors.area_get(user=request.user, area_id=town_id)
    boards = restrict(Board.objects.filter(town=town), request.user, Action.VIEW).prefetch_related("posts")
    return [{"id": b.id, "kind": b.kind, "name": b.name, "posts": list(b.posts.all())} for b in boards]
