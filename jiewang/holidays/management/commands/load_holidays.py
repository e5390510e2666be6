"""``manage.py load_holidays``: load a year's official holiday arrangement (see jiewang.holidays)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jiewang.core.errors import ApplicationError

from ...parsing import parse_date, parse_ranges, read_file
from ...services import holiday_arrangement_check, holiday_arrangement_load


class Command(BaseCommand):
    help = ("Load a year's official holiday arrangement from the State Council's notice, replacing the year's "
            "previous one. Example: load_holidays 2027 --notice '国办发明电〔2026〕5号' --published 2026-11-12 "
            "--holidays 2027-01-01,2027-02-05..2027-02-11 --workdays 2027-02-14,2027-02-20 "
            "(or --file arrangement.toml; see jiewang/holidays/parsing.py).")

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, nargs="?", help="the year (may come from --file)")
        parser.add_argument("--notice", help="the notice's title or document number")
        parser.add_argument("--published", help="the notice's publication date, YYYY-MM-DD")
        parser.add_argument("--holidays", help="days off: dates and ranges, e.g. 2027-01-01,2027-02-05..2027-02-11")
        parser.add_argument("--workdays", default="", help="make-up workdays (weekend days), e.g. 2027-02-14")
        parser.add_argument("--file", help="a TOML file with year, notice, published, holidays, workdays")
        parser.add_argument("--dry-run", action="store_true", help="check and show, write nothing")

    def handle(self, *args, **opts):
        try:
            values = read_file(opts["file"]) if opts["file"] else {}
            year = opts["year"] if opts["year"] is not None else values.get("year")
            if values.get("year") is not None and opts["year"] is not None and values["year"] != opts["year"]:
                raise CommandError(f"The file is for {values['year']}, not {opts['year']}.")
            if year is None:
                raise CommandError("Give the year (or a --file with one).")
            published = parse_date(opts["published"], field="published_on") if opts["published"] \
                else values.get("published_on")
            kwargs = {
                "actor": None, "year": year,
                "notice": opts["notice"] if opts["notice"] is not None else values.get("notice", ""),
                "published_on": published,
                "holidays": parse_ranges(opts["holidays"], field="holidays") if opts["holidays"] is not None
                else values.get("holidays", []),
                "workdays": parse_ranges(opts["workdays"], field="workdays") if opts["workdays"]
                else values.get("workdays", []),
            }
            plan = holiday_arrangement_check(**kwargs)
            if not opts["dry_run"]:
                holiday_arrangement_load(**kwargs)
        except ApplicationError as exc:
            details = "".join(f"\n  {name}: {problem}" for name, problem in exc.fields.items())
            raise CommandError(f"{exc.message} [{exc.code}]{details}") from None
        out = self.stdout
        verb = "Would load" if opts["dry_run"] else ("Replaced" if plan.replaces else "Loaded")
        out.write(f"{verb} the {plan.year} arrangement: {plan.notice} (published {plan.published_on})")
        out.write(f"  holidays ({len(plan.holidays)} days): {plan.holidays_text}")
        out.write(f"  make-up workdays ({len(plan.workdays)}): {plan.workdays_text or '-'}")
        if plan.missing_statutory:
            missing = ", ".join(f"{d} {name}" for d, name in plan.missing_statutory)
            out.write(self.style.WARNING(f"  statutory days not among the holidays: {missing}"))
        if plan.package_knows:
            out.write(self.style.WARNING(f"  chinesecalendar also has {plan.year}; the loaded arrangement wins"))
