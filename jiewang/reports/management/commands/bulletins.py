"""``manage.py bulletins --period 2026-10 [--area CODE] [--regenerate]``: the monthly bulletin of
every current town and district (or of one, by its code) for an ended month. Without
``--regenerate`` an area that already has that month's bulletin is left alone (as the worker
does); with it, a new version is made."""

from django.core.management.base import BaseCommand, CommandError

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Generate the monthly bulletins (PDF and Excel) of a month"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM (an ended month)")
        parser.add_argument("--area", help="the code of one town or district (default: all)")
        parser.add_argument("--regenerate", action="store_true", help="make a new version where one exists")

    def handle(self, *args, period, area, regenerate, **kw):
        from jiewang.reports.models import Bulletin
        from jiewang.reports.services.bulletins import bulletin_generate, check_period

        try:
            check_period(period)
        except ApplicationError as e:
            raise CommandError(str(e)) from e
        areas = Area.objects.filter(level__in=[AreaLevel.TOWN, AreaLevel.DISTRICT], valid_to__isnull=True)
        if area:
            areas = areas.filter(code=area)
            if not areas.exists():
                raise CommandError(f"no town or district with code {area}")
        have = set(Bulletin.objects.filter(period=period).values_list("area_id", flat=True))
        made = 0
        for a in areas.order_by("path"):
            if a.pk in have and not regenerate:
                self.stdout.write(f"{a.code} {a.name} {period}: exists")
                continue
            try:
                b = bulletin_generate(actor=None, area=a, period=period)
            except ApplicationError as e:
                raise CommandError(str(e)) from e
            made += 1
            sizes = ", ".join(f"{f.format} {f.size} B" for f in b.files.defer("content"))
            self.stdout.write(f"{a.code} {a.name} {period} v{b.version} ({sizes})")
        self.stdout.write(f"{made} bulletins generated")
