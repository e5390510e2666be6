from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """Server-rendered pages for each role."""

    name = "jiewang.web"
    label = "web"
    verbose_name = _("Web pages")
