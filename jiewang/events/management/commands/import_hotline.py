import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiewang.core.errors import ApplicationError
from jiewang.events.services.hotline import hotline_import


class Command(BaseCommand):
    help = "Import 12345 hotline work orders (CSV or .xlsx) as events, reporting row by row."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, file, as_json: bool = False, **options):
        path = Path(file)
        try:
            report = hotline_import(actor=None, data=path.read_bytes(), filename=path.name)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if as_json:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            for e in report.errors:
                self.stdout.write(f"row {e['row']} ({e['number']}): {e['code']} {e['message']}")
            self.stdout.write(f"created {len(report.created)}, already present {len(report.existing)}, "
                              f"rejected {len(report.errors)}")
        if report.errors and not report.created and not report.existing:
            raise CommandError("nothing imported")
