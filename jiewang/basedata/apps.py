from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasedataConfig(AppConfig):
    """Base data (一标三实): standard addresses, houses, residents, units and key groups of a grid,
    with personal data encrypted and masked by role."""

    name = "jiewang.basedata"
    label = "basedata"
    verbose_name = _("Base data")

    def ready(self):
        from . import permissions

        permissions.register()
