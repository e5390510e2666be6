from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """The command center's numbers (态势): daily rollups of events kept from the activity stream
    by the worker, and the situation at a glance read from them."""

    name = "jiewang.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        from jiewang.core.worker import register_periodic

        register_periodic("stats.rollups_apply", 10, "jiewang.stats.services.rollups:run_periodic_apply")
