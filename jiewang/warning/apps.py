from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarningConfig(AppConfig):
    """Early warning (感知预警): rules as data, alerts, sensing devices and their readings."""

    name = "jiewang.warning"
    label = "warning"
    verbose_name = _("Early warning")

    def ready(self):
        from jiewang.core.worker import register_periodic

        from . import permissions

        permissions.register()
        register_periodic("warning.evaluate", 5, "jiewang.warning.services.engine:run_periodic")
        register_periodic("warning.trend", 600, "jiewang.warning.services.engine:run_trend")
