from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """The supervision log (督导): the command center's reminders, supervisions and escalations per
    department and post, with their outcomes."""

    name = "jiewang.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self):
        from jiewang.events.docs import register_lifecycle
        from jiewang.events.services.sweep import register_sweep_listener
        from jiewang.events.services.transition import register_activity_hook

        from . import action_table, formulas, permissions
        from .lifecycle import OUTCOME
        from .services.entries import on_sweep
        from .services.outcomes import on_activity

        permissions.register()
        action_table.register_rows()
        formulas.register()
        register_lifecycle(OUTCOME)
        register_sweep_listener(on_sweep)
        register_activity_hook(on_activity)
