"""``manage.py export_areas --root 110000 [--level district] [--zoom 12] [-o FILE]``: export a
subtree of current areas as a GeoJSON FeatureCollection."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from jiewang.areas.exporting import areas_to_feature_collection, tolerance_for_zoom
from jiewang.areas.models import Area

from .import_areas import find_area, parse_level


class Command(BaseCommand):
    help = "Export a subtree of current areas as GeoJSON (optionally one level, simplified for a zoom)."

    def add_arguments(self, parser):
        parser.add_argument("--root", required=True, help="code of the subtree's root area")
        parser.add_argument("--level", help="only this level (city … microgrid or 1–6)")
        parser.add_argument("--zoom", type=int, help="simplify for this web-map zoom (none from 17)")
        parser.add_argument("--precision", type=int, default=6, help="coordinate decimals (default 6)")
        parser.add_argument("-o", "--output", help="file to write (default: stdout)")

    def handle(self, *args, **opts):
        root = find_area(opts["root"], "root")
        qs = Area.objects.current().subtree(root).order_by("level", "path")
        if opts.get("level"):
            qs = qs.filter(level=parse_level(opts["level"]))
        tolerance = tolerance_for_zoom(opts["zoom"]) if opts.get("zoom") is not None else None
        fc = areas_to_feature_collection(qs, simplify_tolerance=tolerance, precision=opts["precision"])
        text = json.dumps(fc, ensure_ascii=False)
        if opts.get("output"):
            try:
                with open(opts["output"], "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                raise CommandError(f"Cannot write {opts['output']}: {exc}") from exc
            self.stderr.write(f"{len(fc['features'])} areas written to {opts['output']}")
        else:
            self.stdout.write(text)
