"""Test helpers of the bulletins: a generated bulletin for the API fuzzer and the matrix."""

from __future__ import annotations

PERIOD = "2026-10"


def bulletin_world(tree, people, loop) -> dict:
    """Rows for the API fuzzer: a bulletin of 一街道 (its path parameters ``bulletin_id``, ``fmt``)."""
    from jiewang.reports.services.bulletins import bulletin_generate

    b = bulletin_generate(actor=None, area=tree.t1, period=PERIOD)
    return {"bulletin_id": b.pk, "fmt": "pdf"}
