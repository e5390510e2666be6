"""Choices of the monthly bulletins (月度通报)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BulletinStatus(models.TextChoices):
    """A bulletin is generated whole in one transaction, so it is never half made: the newest
    version of an (area, period) is current, the ones before it superseded (kept, downloadable)."""

    CURRENT = "current", pgettext_lazy("bulletin", "Current")  # 现行版本
    SUPERSEDED = "superseded", pgettext_lazy("bulletin", "Superseded")  # 已被新版本取代


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", _("Excel workbook")  # Excel 工作簿


CONTENT_TYPES = {
    FileFormat.PDF: "application/pdf",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
