from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """Open311 GeoReport v2: the open standard resident apps and city tools speak, served over our
    own events. Requests enter the same intake service as every other channel."""

    name = "jiewang.open311"
    label = "open311"
    verbose_name = _("Open311")
