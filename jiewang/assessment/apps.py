from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """The assessment engine (考核): indicators as data, periods computed into versioned,
    published snapshots with scores, grades, rankings and red/black lists; exclusions."""

    name = "jiewang.assessment"
    label = "assessment"
    verbose_name = _("Assessment")

    def ready(self):
        from jiewang.core.worker import register_periodic

        from . import permissions

        permissions.register()
        register_periodic("assessment.last_month", 3600, "jiewang.assessment.services.engine:run_periodic")
