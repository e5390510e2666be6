from django.apps import AppConfig


class HolidaysConfig(AppConfig):
    """Loading the official holiday arrangements (节假日安排) and asking administrators to.

    The tables are ``core.HolidayArrangement`` / ``core.HolidayArrangementDay`` (``core.worktime``
    reads them); this app holds the one service that writes them (with its audit row), the
    ``load_holidays`` command and the selectors behind the /manage/ page and its notice.
    """

    name = "jiewang.holidays"
    label = "holidays"
    verbose_name = "Holiday arrangements"
