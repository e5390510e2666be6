"""Small helpers shared by the command center and the department workbench: role checks, the
htmx/plain-POST answer after an action, and the filters of the queues."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from jiewang.core.scope import user_grants


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def roles_of(user) -> set[str]:
    return {g.role for g in user_grants(user)}


def role_required(roles: set[str]):
    """Signed in (else the login page) and holding one of ``roles`` (else a 403 page)."""

    def deco(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not (request.user.is_superuser or roles_of(request.user) & set(roles)):
                return render(request, "web/command/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return deco


def not_found(request):
    return render(request, "web/not_found.html", status=404)


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def finish(request, *, default_url: str, ok: str | None, error: str | None, row_template: str | None = None,
           row_context: dict | None = None):
    """After an action: htmx gets the re-rendered row (with the outcome inline); a plain POST gets
    the outcome as a message and a redirect back to the page it came from."""
    if is_htmx(request) and row_template:
        ctx = dict(row_context or {})
        ctx.update({"ok": ok, "error": error, "next": safe_next(request, default_url), "now_": timezone.now()})
        return render(request, row_template, ctx)
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(safe_next(request, default_url))


def version_of(request) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
