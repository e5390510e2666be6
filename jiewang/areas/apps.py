from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    """The area tree (city → district → town/street → village/community → grid → micro-grid),
    its boundaries and the locator."""

    name = "jiewang.areas"
    label = "areas"
    verbose_name = _("Areas and grids")
