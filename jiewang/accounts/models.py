"""Users, boards, posts, departments and role grants.

A person's powers come from :class:`RoleGrant` rows: a role granted on one area node applies to
that node's whole subtree. :func:`jiewang.core.scope.restrict` turns the grants into one query
filter, used by every selector.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.core.crypto import EncryptedTextField, blind_index, mask_phone

from .choices import BoardKind, Role


class User(AbstractUser):
    """A person who signs in: grid worker, staff, operator, leader, department staff, resident.

    The phone number is personal data: stored encrypted, with a keyed hash for lookups, and shown
    masked to roles that may not see it whole.
    """

    display_name = models.CharField(_("display name"), max_length=64, blank=True, default="")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):
        self.phone_index = blind_index(self.phone) if self.phone else ""
        super().save(*args, **kwargs)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def __str__(self):
        return self.display_name or self.username


class Board(models.Model):
    """One of a town's four boards (四板块). Which posts it holds is configurable per town (seeded
    from :data:`jiewang.accounts.board_seed.TOWN_POSTS`). Its leader in charge (分管领导) is a
    ``board_leader`` :class:`RoleGrant` naming it: a role, not a field, so that a leader may lead
    two boards, a board may change hands with history, and the grant drives scope and pages like
    every other role."""

    town = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="boards")
    kind = models.CharField(_("kind"), max_length=24, choices=BoardKind.choices)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("board")
        verbose_name_plural = _("boards")
        ordering = ["town", "kind"]
        constraints = [models.UniqueConstraint(fields=["town", "kind"], name="board_unique_kind_in_town")]

    def __str__(self):
        return f"{self.town.name} · {self.name}"


class Post(models.Model):
    """A post (岗位) of a board: e.g. 综治岗 in 平安法治, or one of the town's own offices and
    stations (站所: 综合执法大队, 派出所, 司法所 …). Events are dispatched to a post; its staff
    (``post_staff`` grants naming it) handle them, its board's leader supervises."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="posts")
    name = models.CharField(_("name"), max_length=64)
    duties = models.TextField(_("duties"), blank=True, default="")

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["board", "name"]
        constraints = [models.UniqueConstraint(fields=["board", "name"], name="post_unique_name_in_board")]

    def __str__(self):
        return f"{self.board} · {self.name}"


class Department(models.Model):
    """A functional department (职能部门) of a district or the city (or a town's dispatched office).
    Departments belong to no board (boards are a town's own structure, 块 not 条); the matter
    catalog routes to them by ``code``."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, blank=True, default="")
    phone = models.CharField(_("duty phone"), max_length=32, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="department_unique_name_in_area")]

    def __str__(self):
        return self.name


class RoleGrantQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))


class RoleGrant(models.Model):
    """A role held by a user on an area node and its whole subtree. Department staff also name
    their department, post staff the post they hold (a post of the grant's town), board leaders
    the board they lead."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="role_grants")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="role_grants"
    )
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="role_grants")
    board = models.ForeignKey(Board, null=True, blank=True, on_delete=models.PROTECT, related_name="role_grants")
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            # One grant per role and area; a person may hold several posts or lead several boards
            # of one town (one grant each).
            models.UniqueConstraint(fields=["user", "role", "area"], name="rolegrant_unique",
                                    condition=Q(post__isnull=True) & Q(board__isnull=True)),
            models.UniqueConstraint(fields=["user", "post"], name="rolegrant_unique_post",
                                    condition=Q(post__isnull=False)),
            models.UniqueConstraint(fields=["user", "board"], name="rolegrant_unique_board",
                                    condition=Q(board__isnull=False)),
            models.CheckConstraint(
                condition=~Q(role=Role.DEPARTMENT_STAFF) | Q(department__isnull=False),
                name="rolegrant_department_staff_needs_department",
            ),
            models.CheckConstraint(condition=~Q(role=Role.POST_STAFF) | Q(post__isnull=False),
                                   name="rolegrant_post_staff_needs_post"),
            models.CheckConstraint(condition=~Q(role=Role.BOARD_LEADER) | Q(board__isnull=False),
                                   name="rolegrant_board_leader_needs_board"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} @ {self.area.name}"
