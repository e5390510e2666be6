from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """The supervision log (督导): the command center's reminders, supervisions and escalations per
    department and post, with their outcomes."""

    name = "jiewang.supervision"
    label = "supervision"
    verbose_name = _("Supervision")
