from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Board, Department, Post, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    raw_id_fields = ("area", "department", "post", "board", "granted_by")
    extra = 0


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_superuser", "last_login")
    search_fields = ("username", "display_name")
    fieldsets = DjangoUserAdmin.fieldsets + (("Jiewang", {"fields": ("display_name", "phone")}),)
    inlines = [RoleGrantInline]


class PostInline(admin.TabularInline):
    model = Post
    extra = 0


@admin.register(Board)
class BoardAdmin(AuditedModelAdmin):
    list_display = ("town", "kind", "name")
    list_filter = ("kind",)
    raw_id_fields = ("town",)
    search_fields = ("town__name",)
    inlines = [PostInline]


@admin.register(Post)
class PostAdmin(AuditedModelAdmin):
    list_display = ("name", "board", "duties")
    search_fields = ("name", "board__town__name")
    raw_id_fields = ("board",)


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "area", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    raw_id_fields = ("area",)


@admin.register(RoleGrant)
class RoleGrantAdmin(AuditedModelAdmin):
    list_display = ("user", "role", "area", "department", "post", "board", "granted_at", "valid_to")
    list_filter = ("role",)
    raw_id_fields = ("user", "area", "department", "post", "board", "granted_by")
    search_fields = ("user__username", "area__name")
