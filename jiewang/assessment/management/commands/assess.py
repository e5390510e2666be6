"""``manage.py assess --period 2026-11 [--area CODE] [--publish]``: compute a period's draft for
every town and district (or one area by its code) and optionally publish it."""

from django.core.management.base import BaseCommand, CommandError

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError
from jiewang.core.memory import cyclic_gc_paused


class Command(BaseCommand):
    help = "Compute (and optionally publish) the assessment of a period"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
        parser.add_argument("--area", help="the code of one town or district (default: all)")
        parser.add_argument("--publish", action="store_true")

    def handle(self, *args, period, area, publish, **kw):
        areas = Area.objects.filter(level__in=[AreaLevel.TOWN, AreaLevel.DISTRICT], valid_to__isnull=True)
        if area:
            areas = areas.filter(code=area)
            if not areas.exists():
                raise CommandError(f"no town or district with code {area}")
        frames: dict = {}  # the period's rows, read once for the city (when computing many areas)
        with cyclic_gc_paused():  # as the monthly job (engine.compute_last_month)
            self._compute(areas.order_by("path"), period, frames if not area else None, publish)

    def _compute(self, areas, period, frames, publish):
        from jiewang.assessment.services.engine import run_compute, run_publish

        for a in areas:
            try:
                run = run_compute(actor=None, area=a, period=period, frames=frames)
                if publish:
                    run = run_publish(actor=None, run=run)
            except ApplicationError as e:
                raise CommandError(str(e)) from e
            self.stdout.write(f"{a.code} {a.name} {period} v{run.version} {run.status} "
                              f"({run.results.count()} results, {len(run.diff)} differences)")
