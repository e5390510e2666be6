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

        from . import notify
        from .services import sweep, transition

        transition.register_transition_hook(notify.on_transition)
        if notify.on_sweep not in sweep.SWEEP_LISTENERS:
            sweep.SWEEP_LISTENERS.append(notify.on_sweep)

        from jiewang.core.worker import register_periodic

        register_periodic("events.deadline_sweep", 5, "jiewang.events.services.sweep:run_periodic_sweep")
