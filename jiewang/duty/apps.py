from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    """The town command center's duty (值班): the roster, alarms of urgent events with their
    response clock, the duty log and the handover between shifts."""

    name = "jiewang.duty"
    label = "duty"
    verbose_name = _("Duty")

    def ready(self):
        from jiewang.core.worker import register_periodic
        from jiewang.events.services.intake import register_intake_hook
        from jiewang.events.services.transition import register_transition_hook

        from . import action_table, permissions
        from .services import alarms

        permissions.register()
        action_table.register_rows()
        register_intake_hook(alarms.on_intake)
        register_transition_hook(alarms.on_transition)
        register_periodic("duty.alarm_sweep", 15, "jiewang.duty.services.alarms:run_periodic_sweep")
