from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    """The grid's people ("1+3+N", 网格力量): grid heads, full- and part-time grid workers,
    instructors, micro-grid leads and the N other forces, bound to grids with dates."""

    name = "jiewang.staffing"
    label = "staffing"
    verbose_name = _("Grid staffing")
