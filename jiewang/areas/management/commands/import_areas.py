"""``manage.py import_areas FILE --level district [--parent 110000] …``: import area boundaries
from a GeoJSON FeatureCollection as the system, printing what was repaired, rejected and warned."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiewang.areas.choices import AreaLevel
from jiewang.areas.importing import ImportReport, area_import
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError


def parse_level(value: str) -> AreaLevel:
    if str(value).strip().isdigit():
        try:
            return AreaLevel(int(value))
        except ValueError:
            pass
    try:
        return AreaLevel.from_name(str(value))
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def find_area(code: str, what: str = "parent") -> Area:
    found = list(Area.objects.current().filter(code=code.strip()))
    if not found:
        raise CommandError(f"No current area with code {code!r} (--{what}).")
    if len(found) > 1:
        listing = ", ".join(f"{a.name} (id {a.pk}, level {a.get_level_display()})" for a in found)
        raise CommandError(f"Several current areas have code {code!r}: {listing}.")
    return found[0]


class Command(BaseCommand):
    help = ("Import area boundaries from a GeoJSON FeatureCollection. By default a file with any "
            "rejected feature imports nothing; --skip-invalid imports the good features.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON FeatureCollection (WGS84 lon/lat); - for stdin")
        parser.add_argument("--level", required=True,
                            help="level of the features: city, district, town, community, grid, microgrid (or 1–6)")
        parser.add_argument("--parent", help="code of the existing area under which all features go")
        parser.add_argument("--name-key", default="name")
        parser.add_argument("--code-key", default="code")
        parser.add_argument("--parent-code-key", default="parent_code")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="import the valid features even if others are rejected")
        parser.add_argument("--dry-run", action="store_true",
                            help="validate and report every change (old → new), write nothing")
        parser.add_argument("--allow-foreign-codes", action="store_true",
                            help="accept codes that do not extend the parent's code (e.g. 510101 under 500000)")
        parser.add_argument("--allow-rename", action="store_true",
                            help="let a feature rename the existing area with its code")
        parser.add_argument("--allow-outside-parent", action="store_true",
                            help="let a feature move an existing area's boundary outside its parent")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **opts):
        level = parse_level(opts["level"])
        parent = find_area(opts["parent"]) if opts.get("parent") else None
        limit = settings.AREA_IMPORT_MAX_BYTES
        try:
            if opts["file"] == "-":
                import sys

                raw = sys.stdin.buffer.read(limit + 1)
            else:
                with open(opts["file"], "rb") as fh:
                    raw = fh.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {opts['file']}: {exc}") from exc
        try:
            report = area_import(
                actor=None, data=raw, level=level, parent=parent, name_key=opts["name_key"],
                code_key=opts["code_key"], parent_code_key=opts["parent_code_key"],
                skip_invalid=opts["skip_invalid"], dry_run=opts["dry_run"],
                allow_foreign_codes=opts["allow_foreign_codes"], allow_rename=opts["allow_rename"],
                allow_outside_parent=opts["allow_outside_parent"],
            )
        except ApplicationError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        if opts["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.print_report(report)
        if report.rejected and not (report.imported or report.updated):
            raise CommandError(f"{report.rejected} of {report.total} features rejected; nothing imported.")

    @staticmethod
    def describe(key: str, value) -> str:
        if key != "geometry":
            return repr(value) if isinstance(value, str) else str(value)
        if not value:
            return "none"
        return f"{value['area_m2']:,.0f} m² bbox {value['bbox']}"

    def print_report(self, report: ImportReport) -> None:
        w = self.stdout.write
        for f in report.features:
            head = f"#{f.index} {f.code or '?'} {f.name or '?'}: {f.status}"
            if f.changes:
                head += f" ({', '.join(f.changes)})"
            if f.status in ("skipped", "skipped_dry_run") and f.action:
                head += f" (would {f.action})"
            w(self.style.ERROR(head) if f.status == "rejected" else head)
            for key, change in f.diff.items():
                w(f"    {key}: {self.describe(key, change['old'])} → {self.describe(key, change['new'])}")
            if f.overrides:
                w(self.style.WARNING(f"    allowed: {', '.join(f.overrides)}"))
            for rep in f.repairs:
                w(f"    repaired {rep['kind']}: {rep['detail']} "
                  f"[{rep['area_before_m2']:,.0f} → {rep['area_after_m2']:,.0f} m²]")
            for err in f.errors:
                w(self.style.ERROR(f"    error {err['code']}: {err['message']}"))
            for warn in f.warnings:
                w(self.style.WARNING(f"    warning {warn['code']}: {warn['message']}"))
        c = report.counts()
        summary = (f"{c['total']} features: {c['imported']} imported, {c['updated']} updated, "
                   f"{c['unchanged']} unchanged, {c['rejected']} rejected, {c['skipped']} skipped, "
                   f"{c['repaired']} repaired, {c['warnings']} warnings")
        if report.dry_run:
            summary += " (dry run: nothing written)"
        elif report.rejected and not report.skip_invalid:
            summary += " (nothing written: fix the rejected features or use --skip-invalid)"
        w(self.style.SUCCESS(summary) if report.ok else self.style.WARNING(summary))
