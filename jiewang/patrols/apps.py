from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    """Patrols and visits (巡查走访): patrol rules, GPS tracks and check-ins, visit logs and coverage."""

    name = "jiewang.patrols"
    label = "patrols"
    verbose_name = _("Patrols and visits")

    def ready(self):
        from . import assessment, permissions

        permissions.register()
        assessment.register()
