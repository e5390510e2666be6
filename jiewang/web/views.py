"""Pages. Each view reads through selectors (scoped to the user) and renders a template."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts.models import RoleGrant
from jiewang.areas import selectors as area_selectors
from jiewang.core.errors import ApplicationError, NotFound

from .maps import svg_for_areas


class LoginView(DjangoLoginView):
    """Sign in, then a safe ``next`` (same site) or the user's workspace (never /accounts/profile/)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        from .nav import home_url_for

        return home_url_for(self.request.user)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("web:login")


def home(request):
    """Signed-in users land in their workspace; everyone else signs in first."""
    from .nav import home_url_for

    if not request.user.is_authenticated:
        return redirect("web:login")
    return redirect(home_url_for(request.user))


def _error_page(request, template: str, status: int):
    return render(request, template, status=status)


def permission_denied(request, exception=None):
    """403 in the site's layout (config/urls.py handler403)."""
    return _error_page(request, "403.html", 403)


def page_not_found(request, exception=None):
    """404 in the site's layout (config/urls.py handler404)."""
    return _error_page(request, "404.html", 404)


def server_error(request):
    """500: a static page (no database, no context processors, no user): it must render when the
    database is what failed. Its navigation holds only links that need nothing."""
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({}))


@login_required
def overview(request):
    """My roles and the top of the area tree I can see: the way into the area browser."""
    grants = RoleGrant.objects.active().filter(user=request.user).select_related("area", "department")
    roots = area_selectors.area_roots(user=request.user)[:50]
    return render(request, "web/home.html", {"grants": grants, "roots": roots})


@login_required
def inbox(request):
    from jiewang.notifications.models import Notification
    from jiewang.notifications.services import notification_mark_read

    if request.method == "POST":
        notification_mark_read(user=request.user)
        return redirect("web:inbox")
    items = Notification.objects.filter(recipient=request.user)[:100]
    return render(request, "web/inbox.html", {"items": items})


@login_required
def area_detail(request, area_id: int):
    try:
        area = area_selectors.area_get(user=request.user, area_id=area_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    children = list(area_selectors.area_list(user=request.user, parent_id=area.id)[:2000])
    located = None
    if request.GET.get("lon") and request.GET.get("lat"):
        located = _locate_text(request)
    return render(request, "web/area.html", {
        "area": area,
        "ancestors": area_selectors.area_ancestors(user=request.user, area=area),
        "children": children,
        "svg": svg_for_areas(children or [area]),
        "located": located,
    })


def _locate_text(request) -> str:
    from jiewang.areas.locator import locate_with_ancestors

    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
        result, chain = locate_with_ancestors(lon, lat)
    except ValueError:
        return _("Invalid coordinates.")
    except ApplicationError as exc:
        return exc.text
    if result.area_id is None:
        return _("Outside the jurisdiction.")
    visible = {a.id for a in area_selectors.area_list(user=request.user).filter(id__in=[a.id for a in chain])}
    names = " › ".join(a.name for a in chain if a.id in visible) or _("an area outside your scope")
    if result.status == "nearest":
        return _("Nearest grid (%(m).0f m away): %(names)s") % {"m": result.distance_m, "names": names}
    return names
