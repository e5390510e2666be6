from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchingConfig(AppConfig):
    """Dispatch to posts and departments (lead and assisting), sign-for and return, extension
    requests, arbitration, and the whistle with its report-ins (吹哨报到)."""

    name = "jiewang.dispatching"
    label = "dispatching"
    verbose_name = _("Dispatching")

    def ready(self):
        from . import permissions

        permissions.register()
