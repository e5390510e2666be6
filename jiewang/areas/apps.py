from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    """The area tree (city → district → town/street → village/community → grid → micro-grid),
    its boundaries and the locator."""

    name = "jiewang.areas"
    label = "areas"
    verbose_name = _("Areas and grids")

    def ready(self):
        from jiewang.core.worker import register_periodic

        # Rebuild the locator index after a boundary change, before a web request needs it.
        register_periodic("locator.rebuild_if_stale", 5, "jiewang.areas.locator:locator_rebuild_if_stale")
