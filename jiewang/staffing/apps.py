from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    """The grid's people ("1+3+N", 网格力量): grid heads, full- and part-time grid workers,
    instructors, micro-grid leads and the N other forces, bound to grids with dates."""

    name = "jiewang.staffing"
    label = "staffing"
    verbose_name = _("Grid staffing")

    def ready(self):
        from jiewang.core.worker import register_periodic

        from . import permissions

        permissions.register()
        # Hourly, so that an assignment ended with a future date is flagged within the hour of that day;
        # idempotent (one open flag per grid), so running it often costs one query.
        register_periodic("staffing.unstaffed_check", 3600, "jiewang.staffing.services.flags:run_daily")
