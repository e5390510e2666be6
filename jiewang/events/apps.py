from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Events (事件): the matter catalog, intake from every channel, the lifecycle table, the
    activity timeline, photos and the deadline clocks."""

    name = "jiewang.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self):
        from . import permissions

        permissions.register()

        from . import action_table, notify
        from .services import sweep, transition

        action_table.register_rows()
        transition.register_transition_hook(notify.on_transition)
        sweep.register_sweep_listener(notify.on_sweep)

        from jiewang.core.worker import register_periodic

        register_periodic("events.deadline_sweep", 5, "jiewang.events.services.sweep:run_periodic_sweep")
